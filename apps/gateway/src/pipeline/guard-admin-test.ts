import { GatewayError } from '@arbiter/shared';
import { z } from 'zod';
import type { GuardrailDirection, GuardrailPolicyInput } from '../guardrails/policy.js';
import type { GuardrailRun } from '../guardrails/run-guardrails.js';
import type { SelfCheckReport } from '../guardrails/self-check/run-guardrails-with-self-check.js';
import type { Principal } from './authenticate.js';
import type { PipelineServices } from './chat-completion.js';
import { assertMayRunSelfCheck, createSelfCheckCompletion } from './guard-self-check.js';

/**
 * `POST /api/v1/admin/guardrails/test`: the policy's guardrails on one text, exactly as the pipeline would run them,
 * `llm_self_check` included. The self-check's model call goes through `services` (the pipeline), metered to the caller
 * and recorded as its own usage row; the response adds `self_check` with the model's verdict and reason (shown to
 * the caller, never stored).
 */
export interface GuardrailTestInput {
  text: string;
  direction: GuardrailDirection;
  guardrails?: string[];
  policy: GuardrailPolicyInput;
}

export type GuardrailTestResult = GuardrailRun & { self_check?: SelfCheckReport };

export async function runGuardrailTest(
  input: GuardrailTestInput,
  caller: { requestId: string; principal: Principal | null },
  services: PipelineServices | undefined,
): Promise<GuardrailTestResult> {
  const engine = await import('../guardrails/guardrail-engine.js');
  let policy;
  try {
    policy = engine.compilePolicy(input.policy);
  } catch (error) {
    // A detector's (or the self-check's) own parameter schema refused the inline policy's params.
    if (!(error instanceof z.ZodError)) throw error;
    const issue = error.issues[0];
    throw new GatewayError('invalid_request', { message: `Invalid guardrail parameters: ${issue?.message ?? 'invalid'}`, param: 'policy.rules', cause: error });
  }
  const options = { direction: input.direction, guardrails: input.guardrails };
  if (policy.selfCheck === undefined || !engine.selfCheckWanted(policy, input.direction, input.guardrails)) return engine.runGuardrails(policy, input.text, options);
  if (caller.principal === null) throw new GatewayError('missing_api_key');
  assertMayRunSelfCheck(caller.principal, policy.selfCheck.stage.params.model);
  const complete = createSelfCheckCompletion(services, { requestId: caller.requestId, principal: caller.principal })(input.direction);
  const { run, selfCheck } = await engine.runGuardrailsWithSelfCheck(policy, input.text, { ...options, complete });
  return selfCheck === null ? run : { ...run, self_check: engine.buildSelfCheckReport(policy, selfCheck) };
}
