import { z } from 'zod';
import { detectorIdSchema } from './detector.js';
import { redactionModeSchema } from './redact.js';

/** What happens when a guardrail triggers. Precedence when several trigger: block > redact > flag > allow. */
export const guardrailActionSchema = z.enum(['allow', 'flag', 'redact', 'block']);
export type GuardrailAction = z.infer<typeof guardrailActionSchema>;
export const guardrailDirectionSchema = z.enum(['input', 'output']);
export type GuardrailDirection = z.infer<typeof guardrailDirectionSchema>;

export const actionPrecedence: Record<GuardrailAction, number> = { allow: 0, flag: 1, redact: 2, block: 3 };

export const guardrailRuleSchema = z.object({
  guardrail: detectorIdSchema,
  /** Overrides the detector's default threshold (0.5). */
  threshold: z.number().min(0).max(1).optional(),
  /** Action on the request (prompt, messages) before routing. */
  input: guardrailActionSchema.default('allow'),
  /** Action on the model's answer, streamed or not. */
  output: guardrailActionSchema.default('allow'),
  /** Detector parameters, parsed by the detector's own schema when the policy is compiled. */
  params: z.record(z.string(), z.unknown()).default({}),
});
export type GuardrailRule = z.infer<typeof guardrailRuleSchema>;

export const guardrailPolicySchema = z.object({
  name: z.string().min(1).max(100).optional(),
  rules: z.array(guardrailRuleSchema).refine(
    (rules) => new Set(rules.map((rule) => rule.guardrail)).size === rules.length,
    'each guardrail appears once in a policy',
  ),
  redaction: z.object({ mode: redactionModeSchema.default('token') }).default({ mode: 'token' }),
});
export type GuardrailPolicy = z.infer<typeof guardrailPolicySchema>;
export type GuardrailPolicyInput = z.input<typeof guardrailPolicySchema>;
