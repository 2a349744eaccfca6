import { z } from 'zod';
import type { Finding } from './detector.js';
import {
  actionPrecedence,
  guardrailActionSchema,
  guardrailPolicySchema,
  selfCheckGuardrailId,
  type GuardrailAction,
  type GuardrailDirection,
  type GuardrailId,
  type GuardrailPolicyInput,
} from './policy.js';
import { redactText, type RedactionMode } from './redact.js';
import { bindDetector, type BoundDetector } from './registry.js';
import { compileSelfCheck, selfCheckRuleSchema, type CompiledSelfCheck } from './self-check/self-check-stage.js';

/** The `POST /api/v1/admin/guardrails/test` response; tools depend on this exact shape. */
export const guardrailFindingSchema = z.object({ type: z.string(), start: z.number(), end: z.number(), score: z.number() });
export const guardrailResultSchema = z.object({
  guardrail: z.string(),
  triggered: z.boolean(),
  score: z.number(),
  action: guardrailActionSchema,
  findings: z.array(guardrailFindingSchema),
});
export const guardrailRunSchema = z.object({
  action: guardrailActionSchema,
  redacted_text: z.string(),
  results: z.array(guardrailResultSchema),
});
export interface GuardrailResult {
  guardrail: GuardrailId;
  triggered: boolean;
  score: number;
  /** The configured action when triggered, `allow` otherwise. */
  action: GuardrailAction;
  /** Types, spans and scores only: never the matched values. */
  findings: Finding[];
}
export interface GuardrailRun {
  action: GuardrailAction;
  redacted_text: string;
  results: GuardrailResult[];
}

export interface CompiledGuardrail {
  detector: BoundDetector;
  actions: Record<GuardrailDirection, GuardrailAction>;
}

/** A policy with every detector's parameters parsed and its patterns compiled: build once, run per request. */
export interface CompiledPolicy {
  name: string | undefined;
  /** The synchronous detectors, in the policy's order. */
  guardrails: CompiledGuardrail[];
  /** The `llm_self_check` rule: asynchronous (a model call), so run apart from the detectors, after them. */
  selfCheck: CompiledSelfCheck | undefined;
  redactionMode: RedactionMode;
}

/** Throws a ZodError on a bad policy, and on parameters a detector's (or the self-check's) schema refuses. */
export function compilePolicy(input: GuardrailPolicyInput): CompiledPolicy {
  const policy = guardrailPolicySchema.parse(input);
  const guardrails: CompiledGuardrail[] = [];
  let selfCheck: CompiledSelfCheck | undefined;
  for (const rule of policy.rules) {
    if (rule.guardrail === selfCheckGuardrailId) {
      selfCheck = compileSelfCheck(selfCheckRuleSchema.parse(rule));
      continue;
    }
    guardrails.push({ detector: bindDetector(rule.guardrail, rule.params, rule.threshold), actions: { input: rule.input, output: rule.output } });
  }
  return { name: policy.name, guardrails, selfCheck, redactionMode: policy.redaction.mode };
}

export interface RunGuardrailsOptions {
  direction?: GuardrailDirection;
  /** Only these guardrails (the test endpoint's `guardrails`); they run even when their action is `allow`. */
  guardrails?: readonly string[];
  /** The tenant's pseudonym key, needed when the policy redacts with `hash`. */
  hashKey?: string | Uint8Array;
  /** Skip the remaining detectors once one blocks (the hot path); the test endpoint wants every result. */
  stopOnBlock?: boolean;
}

/** The strongest of the actions, by block > redact > flag > allow. */
export function strongestAction(actions: Iterable<GuardrailAction>): GuardrailAction {
  let strongest: GuardrailAction = 'allow';
  for (const action of actions) if (actionPrecedence[action] > actionPrecedence[strongest]) strongest = action;
  return strongest;
}

/**
 * Runs the policy's detectors for one direction (not the self-check: see runGuardrailsWithSelfCheck). Each triggered guardrail reports its configured action, the overall
 * action is the strongest of them, and `redacted_text` has the findings of every `redact` guardrail replaced (also when
 * the overall action is `block`, so a blocked text can be shown or logged without its identifiers).
 */
export function runGuardrails(policy: CompiledPolicy, text: string, options: RunGuardrailsOptions = {}): GuardrailRun {
  const direction = options.direction ?? 'input';
  const only = options.guardrails === undefined ? undefined : new Set(options.guardrails);
  const results: GuardrailResult[] = [];
  const redactions: Finding[] = [];
  for (const { detector, actions } of policy.guardrails) {
    const configured = actions[direction];
    if (only === undefined ? configured === 'allow' : !only.has(detector.id)) continue;
    const detection = detector.detect(text);
    const action = detection.triggered ? configured : 'allow';
    results.push({ guardrail: detector.id, triggered: detection.triggered, score: detection.score, action, findings: detection.findings });
    if (action === 'redact') redactions.push(...detection.findings);
    if (action === 'block' && options.stopOnBlock === true) break;
  }
  const action = strongestAction(results.map((result) => result.action));
  const redacted_text =
    redactions.length === 0 ? text : redactText(text, redactions, { mode: policy.redactionMode, hashKey: options.hashKey });
  return { action, redacted_text, results };
}
