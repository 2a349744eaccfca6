import { z } from 'zod';

/**
 * Governance analysis (seed 000): one question to many models, each answer timed, metered, priced and judged, kept as
 * history. Field names are the seed's (`host_platform`, `model_id`, `governance_context`, `GovernanceLog`).
 */

/** A model as the seed names it: `{host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-sonnet-20240229-v1:0'}`. */
export const modelSpecSchema = z.object({
  host_platform: z.string().min(1).max(64),
  model_id: z.string().min(1).max(256),
});
export type ModelSpec = z.infer<typeof modelSpecSchema>;

/** A judge: a model spec, or any model string the gateway resolves (`gcp_vertex:gemini-2.5-pro`, `openai/gpt-4o`). */
export const judgeSpecSchema = z.union([z.string().min(1).max(300), modelSpecSchema]);
export type JudgeSpec = z.infer<typeof judgeSpecSchema>;

/** `aws`, `gcp`, `azure`, `general` are built in; config adds custom ones. */
export const governanceContextSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _');

const analysisOptionsSchema = z.object({
  query: z.string().min(1).max(100_000),
  /** Default: the conversation's context when continuing one, else `general`. */
  governance_context: governanceContextSchema.optional(),
  /** With a reference answer, BLEU and ROUGE-1/2/L are computed next to the judge's score. */
  reference_answer: z.string().min(1).max(100_000).optional(),
  /** Grade each answer with the judge model(s). */
  evaluate: z.boolean().default(true),
  /** A panel of judges (their mean score, with the spread); default: the configured judge model(s). */
  judges: z.array(judgeSpecSchema).min(1).max(8).optional(),
  /** Continue a conversation: each model sees its own earlier answers in it. */
  conversation_id: z.string().min(1).max(64).optional(),
  /** Overrides the configured per-model timeout for this request. */
  timeout_ms: z.number().int().positive().max(900_000).optional(),
});

export const analyzeRequestSchema = analysisOptionsSchema.extend({ model: modelSpecSchema });
export type AnalyzeRequest = z.infer<typeof analyzeRequestSchema>;

export const analyzeBatchRequestSchema = analysisOptionsSchema.extend({
  models: z.array(modelSpecSchema).min(1).max(100),
  /** Also compare every two answers head to head, each pair in both orders (position bias shows as `inconsistent`). */
  pairwise: z.boolean().default(false),
});
export type AnalyzeBatchRequest = z.infer<typeof analyzeBatchRequestSchema>;

export const analyzeBatchQuerySchema = z.object({
  /** `true`: Server-Sent Events, one `result` event per model as it finishes, then `summary`. */
  stream: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => value === 'true' || value === '1'),
});

export const governanceStatusSchema = z.enum(['COMPLETED', 'FAILED']);
export type GovernanceStatus = z.infer<typeof governanceStatusSchema>;

/** One judge's grade of one answer. */
export const judgeVerdictSchema = z.object({
  evaluator_model: z.string(),
  score: z.number().min(0).max(1).nullable(),
  rationale: z.string().nullable(),
  /** Why this judge gave no score (timeout, malformed output twice, upstream error). */
  error: z.string().nullable(),
  /** The judge is the model that wrote the answer. */
  self_judged: z.boolean(),
  /** Calls made: 2 when the first output was malformed and the judge was asked again. */
  attempts: z.number().int().nonnegative(),
  latency_ms: z.number().nonnegative(),
  cost_usd: z.number().nullable(),
});
export type JudgeVerdict = z.infer<typeof judgeVerdictSchema>;

export const accuracySchema = z.object({
  /** The panel's mean score, 0.0–1.0. */
  score: z.number().min(0).max(1),
  rationale: z.string(),
  /** The judge model(s) whose scores make the mean, comma-separated. */
  evaluator_model: z.string(),
  /** Highest minus lowest score of the panel (0 with one judge). */
  spread: z.number().min(0).max(1),
  /** At least one scoring judge graded its own answer. */
  self_judged: z.boolean(),
  rubric_version: z.string(),
  judges: z.array(judgeVerdictSchema),
});
export type Accuracy = z.infer<typeof accuracySchema>;

/** F-measures (and BLEU) against `reference_answer`, each 0.0–1.0. */
export const textMetricsSchema = z.object({
  bleu: z.number().min(0).max(1),
  rouge1: z.number().min(0).max(1),
  rouge2: z.number().min(0).max(1),
  rougeL: z.number().min(0).max(1),
});
export type TextMetrics = z.infer<typeof textMetricsSchema>;

export const governanceUsageSchema = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
  latency_ms: z.number().nonnegative(),
});

/** USD from the price catalog × the metered usage. Null when no price is known or nothing was metered (never $0). */
export const governanceCostSchema = z.object({
  input_cost: z.number(),
  output_cost: z.number(),
  total_cost: z.number(),
});

/** One model's execution (seed `GovernanceLog`), plus what the gateway adds (error, metrics, versions). */
export const governanceLogSchema = z.object({
  id: z.string(),
  /** The request's `x-request-id`: also the `trace_id` of the usage records of every model and judge call. */
  trace_id: z.string(),
  conversation_id: z.string(),
  /** AWS | OPENAI | GOOGLE | AZURE | ANTHROPIC | <configured provider>. */
  provider: z.string(),
  host_platform: z.string(),
  model_id: z.string(),
  governance_context: z.string(),
  prompt_version: z.string(),
  started_at: z.string(),
  ended_at: z.string(),
  usage: governanceUsageSchema,
  cost: governanceCostSchema.nullable(),
  accuracy: accuracySchema.nullable(),
  /** Why `accuracy` is null (not requested, the model failed, every judge failed). */
  accuracy_error: z.string().nullable(),
  metrics: textMetricsSchema.nullable(),
  status: governanceStatusSchema,
  success: z.boolean(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  input_prompt: z.string(),
  response_text: z.string().nullable(),
});
export type GovernanceLog = z.infer<typeof governanceLogSchema>;

/** Two answers compared head to head, in both orders. */
export const pairwiseComparisonSchema = z.object({
  a_id: z.string(),
  b_id: z.string(),
  a_model: z.string(),
  b_model: z.string(),
  evaluator_model: z.string(),
  /** `inconsistent`: the judge preferred whichever answer it saw first (or second) — position bias, no winner. */
  winner: z.enum(['a', 'b', 'tie', 'inconsistent']).nullable(),
  orders: z.array(
    z.object({
      shown_first: z.enum(['a', 'b']),
      preferred: z.enum(['a', 'b', 'tie']).nullable(),
      rationale: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
  error: z.string().nullable(),
});
export type PairwiseComparison = z.infer<typeof pairwiseComparisonSchema>;

const summaryPickSchema = z
  .object({ id: z.string(), host_platform: z.string(), model_id: z.string(), value: z.number() })
  .nullable();

export const batchSummarySchema = z.object({
  /** `value`: latency in ms. */
  fastest: summaryPickSchema,
  /** `value`: total cost in USD (models with a known cost only). */
  cheapest: summaryPickSchema,
  /** `value`: accuracy score. */
  best_scored: summaryPickSchema,
  /** The analysed models' cost in USD (judge calls are in `evaluation_cost`). */
  total_cost: z.number(),
  evaluation_cost: z.number(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  wall_time_ms: z.number().nonnegative(),
});
export type BatchSummary = z.infer<typeof batchSummarySchema>;

export const analyzeBatchResponseSchema = z.object({
  conversation_id: z.string(),
  trace_id: z.string(),
  /** In the order of the request's `models`. */
  results: z.array(governanceLogSchema),
  summary: batchSummarySchema,
  comparisons: z.array(pairwiseComparisonSchema),
});
export type AnalyzeBatchResponse = z.infer<typeof analyzeBatchResponseSchema>;

/** SSE (`?stream=true`): `start`, one `result` (a GovernanceLog) per model as it finishes, `comparison`s, `summary`. */
export const batchStartEventSchema = z.object({
  conversation_id: z.string(),
  trace_id: z.string(),
  models: z.array(modelSpecSchema),
});
export type BatchStartEvent = z.infer<typeof batchStartEventSchema>;

export const batchSummaryEventSchema = z.object({
  conversation_id: z.string(),
  trace_id: z.string(),
  summary: batchSummarySchema,
});
export type BatchSummaryEvent = z.infer<typeof batchSummaryEventSchema>;

export const governanceHealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['ok', 'unreachable']),
  judges: z.array(z.object({ model: z.string(), available: z.boolean(), reason: z.string().nullable() })),
  contexts: z.array(z.object({ name: z.string(), version: z.string() })),
  max_concurrency: z.number().int(),
  max_models: z.number().int(),
  model_timeout_ms: z.number().int(),
  judge_timeout_ms: z.number().int(),
});
export type GovernanceHealth = z.infer<typeof governanceHealthSchema>;

/** History (`/api/v1/history/conversations`): newest first, keyset cursor, filters by context, model and date. */
export const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().optional(),
  context: governanceContextSchema.optional(),
  /** `model_id` (`gpt-4o`) or `host_platform:model_id`: conversations in which that model answered. */
  model: z.string().min(1).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export const conversationSummarySchema = z.object({
  id: z.string(),
  object: z.literal('conversation'),
  title: z.string(),
  governance_context: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const conversationListSchema = z.object({
  object: z.literal('list'),
  data: z.array(conversationSummarySchema),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
});
export type ConversationList = z.infer<typeof conversationListSchema>;

/** A user query, or one model's answer with its telemetry (the GovernanceLog of that execution). */
export const historyMessageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  /** Null for a model that failed to answer. */
  content: z.string().nullable(),
  /** The query an answer replies to. */
  parent_id: z.string().nullable(),
  host_platform: z.string().nullable(),
  model_id: z.string().nullable(),
  trace_id: z.string(),
  created_at: z.string(),
  telemetry: governanceLogSchema.nullable(),
  /** On a query: the head-to-head comparisons of its answers, when requested. */
  comparisons: z.array(pairwiseComparisonSchema),
});
export type HistoryMessage = z.infer<typeof historyMessageSchema>;

export const conversationDetailSchema = conversationSummarySchema.extend({ messages: z.array(historyMessageSchema) });
export type ConversationDetail = z.infer<typeof conversationDetailSchema>;

export const conversationIdParamsSchema = z.object({ id: z.string().min(1).max(64) });

export const conversationDeletedSchema = z.object({
  id: z.string(),
  object: z.literal('conversation.deleted'),
  deleted: z.literal(true),
});
