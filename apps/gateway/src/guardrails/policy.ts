import { z } from 'zod';
import { detectorIdSchema } from './detector.js';

// This module is schemas only (no detector, no pattern table), so config validation and route schemas can import it
// without loading the detectors.

/**
 * `token`: the value becomes its type (`[US_SSN]`). `mask`: most characters become `*`, the last four stay
 * (`***-**-6789`). `hash`: a pseudonym that is the same for the same value within a tenant and unlinkable across
 * tenants (HMAC-SHA256 under the tenant's key), so a conversation stays readable without the value. IPv6 addresses are
 * always replaced by `[IPv6_MASKED]`: a partial IPv6 address still identifies a host.
 */
export const redactionModeSchema = z.enum(['token', 'mask', 'hash']);
export type RedactionMode = z.infer<typeof redactionModeSchema>;

/** What happens when a guardrail triggers. Precedence when several trigger: block > redact > flag > allow. */
export const guardrailActionSchema = z.enum(['allow', 'flag', 'redact', 'block']);
export type GuardrailAction = z.infer<typeof guardrailActionSchema>;
export const guardrailDirectionSchema = z.enum(['input', 'output']);
export type GuardrailDirection = z.infer<typeof guardrailDirectionSchema>;

export const actionPrecedence: Record<GuardrailAction, number> = { allow: 0, flag: 1, redact: 2, block: 3 };

/** The optional model-based check (guardrails/self-check): not a detector, it asks a configured model. */
export const selfCheckGuardrailId = 'llm_self_check';
export const guardrailIdSchema = z.union([detectorIdSchema, z.literal(selfCheckGuardrailId)]);
export type GuardrailId = z.infer<typeof guardrailIdSchema>;

export const guardrailRuleSchema = z
  .object({
    guardrail: guardrailIdSchema,
    /** Overrides the detector's default threshold (0.5). */
    threshold: z.number().min(0).max(1).optional(),
    /** Action on the request (prompt, messages) before routing. */
    input: guardrailActionSchema.default('allow'),
    /** Action on the model's answer, streamed or not. */
    output: guardrailActionSchema.default('allow'),
    /** Detector parameters, parsed by the detector's own schema when the policy is compiled. */
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((rule, context) => {
    if (rule.guardrail !== selfCheckGuardrailId) return;
    // The model judges the whole text: there is no span to redact.
    for (const direction of ['input', 'output'] as const) {
      if (rule[direction] === 'redact') {
        context.addIssue({ code: 'custom', path: [direction], message: `${selfCheckGuardrailId} cannot redact (use allow, flag or block)` });
      }
    }
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
