import { z } from 'zod';
import type { Detection, Finding } from '../detector.js';
import { selfCheckGuardrailId, type GuardrailDirection } from '../policy.js';
import { runSelfCheck, type RunSelfCheckOptions, type SelfCheckComplete, type SelfCheckResult } from './run-self-check.js';
import { selfCheckParamsSchema, type SelfCheckParams } from './self-check-params.js';

/** The guardrail id in policies, results and the audit trail. */
export { selfCheckGuardrailId };
/** The finding of a verdict: the whole text, scored by the model's confidence. */
export const policyViolationType = 'POLICY_VIOLATION';
/** The finding of a fail-closed error, so the audit trail tells "the model said no" from "the check was unavailable". */
export const selfCheckUnavailableType = 'SELF_CHECK_UNAVAILABLE';

/** A whole-text verdict cannot redact a span, so a policy gives the self-check one of these actions only. */
export const selfCheckActionSchema = z.enum(['allow', 'flag', 'block']);
export type SelfCheckAction = z.infer<typeof selfCheckActionSchema>;

export interface SelfCheckDetection extends Detection {
  result: SelfCheckResult;
}

export interface SelfCheckStageOptions extends RunSelfCheckOptions {
  /**
   * What the model is shown, when it differs from `text`: the text after the synchronous guardrails' redactions, so
   * identifiers the policy redacts never reach a third model. Findings still span `text`.
   */
  reviewText?: string;
}

/**
 * The asynchronous stage after the synchronous detectors: parameters parsed once per policy, `check` per text. The
 * completion function is per request (it meters the call to the request's tenant), so it is passed to `check`.
 */
export interface SelfCheckStage {
  id: typeof selfCheckGuardrailId;
  threshold: number;
  params: SelfCheckParams;
  check(text: string, direction: GuardrailDirection, complete: SelfCheckComplete, options?: SelfCheckStageOptions): Promise<SelfCheckDetection>;
}

/** Parses the parameters like `bindDetector` does (throws a ZodError on bad parameters); a rule's threshold wins. */
export function createSelfCheckStage(raw: Record<string, unknown>, threshold?: number): SelfCheckStage {
  const params = selfCheckParamsSchema.parse(threshold === undefined ? raw : { ...raw, threshold });
  return {
    id: selfCheckGuardrailId,
    threshold: params.threshold,
    params,
    async check(text, direction, complete, options = {}) {
      const result = await runSelfCheck(params, options.reviewText ?? text, direction, complete, options);
      return { ...buildSelfCheckDetection(result, text.length), result };
    },
  };
}

/** The detection shape the other guardrails report: one whole-text finding when triggered. */
export function buildSelfCheckDetection(result: SelfCheckResult, textLength: number): Detection {
  const type = result.verdict === 'error' ? selfCheckUnavailableType : policyViolationType;
  const findings: Finding[] = result.triggered ? [{ type, start: 0, end: textLength, score: result.score }] : [];
  return { triggered: result.triggered, score: result.score, findings };
}

/** The self-check's rule in a policy: like the detectors' rules, without `redact`. */
export const selfCheckRuleSchema = z.object({
  guardrail: z.literal(selfCheckGuardrailId),
  threshold: z.number().min(0).max(1).optional(),
  input: selfCheckActionSchema.default('allow'),
  output: selfCheckActionSchema.default('allow'),
  /** Parsed by `selfCheckParamsSchema` when the policy is compiled (`model` is required). */
  params: z.record(z.string(), z.unknown()).default({}),
});
export type SelfCheckRuleInput = z.input<typeof selfCheckRuleSchema>;

export interface CompiledSelfCheck {
  stage: SelfCheckStage;
  actions: Record<GuardrailDirection, SelfCheckAction>;
}

export function compileSelfCheck(input: SelfCheckRuleInput): CompiledSelfCheck {
  const rule = selfCheckRuleSchema.parse(input);
  return { stage: createSelfCheckStage(rule.params, rule.threshold), actions: { input: rule.input, output: rule.output } };
}
