import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * One row per request that reached the pipeline, success or failure, streamed or not. Written in batches off the
 * client's path. Costs are exact decimals (numeric), never floats; null means "no known price", never $0.
 */
export const usageRecords = pgTable(
  'usage_records',
  {
    id: text('id').primaryKey(),
    traceId: text('trace_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    keyId: text('key_id').notNull(),
    endpoint: text('endpoint').notNull(),
    provider: text('provider'),
    model: text('model'),
    requestedModel: text('requested_model'),
    stream: boolean('stream').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    latencyMs: integer('latency_ms').notNull(),
    ttftMs: integer('ttft_ms'),
    status: text('status', { enum: ['success', 'error', 'aborted'] }).notNull(),
    httpStatus: integer('http_status').notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    inputTokens: integer('input_tokens'),
    inputNoCacheTokens: integer('input_no_cache_tokens'),
    inputCacheReadTokens: integer('input_cache_read_tokens'),
    inputCacheWriteTokens: integer('input_cache_write_tokens'),
    outputTokens: integer('output_tokens'),
    outputTextTokens: integer('output_text_tokens'),
    outputReasoningTokens: integer('output_reasoning_tokens'),
    usageEstimated: boolean('usage_estimated').notNull().default(false),
    inputCostUsd: numeric('input_cost_usd', { precision: 24, scale: 15 }),
    outputCostUsd: numeric('output_cost_usd', { precision: 24, scale: 15 }),
    totalCostUsd: numeric('total_cost_usd', { precision: 24, scale: 15 }),
    warnings: jsonb('warnings').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    prompt: jsonb('prompt'),
    response: text('response'),
  },
  (table) => [
    index('usage_records_started_at_idx').on(table.startedAt.desc(), table.id.desc()),
    index('usage_records_provider_model_idx').on(table.provider, table.model),
    index('usage_records_trace_id_idx').on(table.traceId),
    index('usage_records_key_id_idx').on(table.keyId),
  ],
);

export type UsageRecordRow = typeof usageRecords.$inferInsert;
export type StoredUsageRecord = typeof usageRecords.$inferSelect;
