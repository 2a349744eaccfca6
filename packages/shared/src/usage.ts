import { z } from 'zod';

/** Token usage normalised across providers. Every count is a whole number of tokens. */
export const normalizedUsageSchema = z.object({
  input: z.object({
    total: z.number().int().nonnegative(),
    /** Input tokens billed at the plain input price (neither read from nor written to a prompt cache). */
    noCache: z.number().int().nonnegative(),
    cacheRead: z.number().int().nonnegative(),
    cacheWrite: z.number().int().nonnegative(),
  }),
  output: z.object({
    total: z.number().int().nonnegative(),
    text: z.number().int().nonnegative(),
    reasoning: z.number().int().nonnegative(),
  }),
});
export type NormalizedUsage = z.infer<typeof normalizedUsageSchema>;

export const costSchema = z.object({
  input: z.number(),
  output: z.number(),
  total: z.number(),
});
export type Cost = z.infer<typeof costSchema>;

export const usageStatusSchema = z.enum(['success', 'error', 'aborted']);
export type UsageStatus = z.infer<typeof usageStatusSchema>;

/**
 * One guardrail that triggered on a request, as the usage record keeps it for the audit trail: which detector, on
 * which side, what it did, and how many findings of each type with the strongest score. Never the matched values.
 */
export const guardrailTriggerSchema = z.object({
  guardrail: z.string(),
  direction: z.enum(['input', 'output']),
  action: z.enum(['flag', 'redact', 'block']),
  /** Finding type → count, e.g. `{ "US_SSN": 1, "EMAIL_ADDRESS": 2 }`. */
  findings: z.record(z.string(), z.number().int().nonnegative()),
  max_score: z.number().min(0).max(1),
});
export type GuardrailTrigger = z.infer<typeof guardrailTriggerSchema>;

/** One usage record, as `GET /api/v1/usage` returns it. */
export const usageRecordSchema = z.object({
  id: z.string(),
  trace_id: z.string(),
  tenant_id: z.string(),
  key_id: z.string(),
  user_id: z.string().nullable(),
  endpoint: z.string(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  requested_model: z.string().nullable(),
  stream: z.boolean(),
  started_at: z.string(),
  ended_at: z.string(),
  latency_ms: z.number(),
  ttft_ms: z.number().nullable(),
  status: usageStatusSchema,
  http_status: z.number().int(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  usage: normalizedUsageSchema.nullable(),
  usage_estimated: z.boolean(),
  cost: costSchema.nullable(),
  warnings: z.array(z.string()),
  prompt: z.unknown().nullable(),
  response: z.string().nullable(),
  /** Null when no guardrail triggered (or none was configured). */
  guardrails: z.array(guardrailTriggerSchema).nullable(),
});
export type UsageRecordView = z.infer<typeof usageRecordSchema>;

export const usageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
  provider: z.string().optional(),
  model: z.string().optional(),
  status: usageStatusSchema.optional(),
  key_id: z.string().optional(),
  user_id: z.string().optional(),
  /** Only the platform operator reads across tenants; for everyone else this filter is their own tenant anyway. */
  tenant_id: z.string().optional(),
  trace_id: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;

export const usageListSchema = z.object({
  object: z.literal('list'),
  data: z.array(usageRecordSchema),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
});
export type UsageList = z.infer<typeof usageListSchema>;
