import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, jsonb, numeric, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export * from './identity-schema.js';

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
    /** The user behind the key or token, when there is one (per-user spend and budgets). */
    userId: text('user_id'),
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
    /** Guardrails that triggered: detector, direction, action, finding types and counts, never the raw values. */
    guardrails: jsonb('guardrails'),
  },
  (table) => [
    index('usage_records_started_at_idx').on(table.startedAt.desc(), table.id.desc()),
    index('usage_records_provider_model_idx').on(table.provider, table.model),
    index('usage_records_trace_id_idx').on(table.traceId),
    index('usage_records_key_id_idx').on(table.keyId),
    index('usage_records_tenant_started_idx').on(table.tenantId, table.startedAt.desc()),
    index('usage_records_user_started_idx').on(table.userId, table.startedAt.desc()),
  ],
);

export type UsageRecordRow = typeof usageRecords.$inferInsert;
export type StoredUsageRecord = typeof usageRecords.$inferSelect;

const timestampColumn = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * Governance history: a conversation holds user queries and model answers (messages); every model execution has one
 * telemetry row linked to its answer. Written (awaited) as each model finishes; deleting a conversation deletes its
 * messages and telemetry. `tenant_id` is 'default' until tenancy exists, so that it can scope every query then.
 */
export const conversations = pgTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    title: text('title').notNull(),
    governanceContext: text('governance_context').notNull(),
    createdAt: timestampColumn('created_at').notNull(),
    updatedAt: timestampColumn('updated_at').notNull(),
  },
  (table) => [index('conversations_tenant_created_idx').on(table.tenantId, table.createdAt.desc(), table.id.desc())],
);

export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull(),
    role: text('role', { enum: ['user', 'assistant'] }).notNull(),
    /** Null for a model that failed to answer. */
    content: text('content'),
    /** The query an answer replies to. */
    parentId: text('parent_id'),
    hostPlatform: text('host_platform'),
    modelId: text('model_id'),
    traceId: text('trace_id').notNull(),
    /** On a query: pairwise comparisons of its answers (JSON, parsed with the shared schema when read). */
    comparisons: jsonb('comparisons'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (table) => [index('messages_conversation_idx').on(table.conversationId, table.createdAt, table.id)],
);

export const telemetry = pgTable(
  'telemetry',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    messageId: text('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    traceId: text('trace_id').notNull(),
    provider: text('provider').notNull(),
    hostPlatform: text('host_platform').notNull(),
    modelId: text('model_id').notNull(),
    governanceContext: text('governance_context').notNull(),
    promptVersion: text('prompt_version').notNull(),
    status: text('status', { enum: ['COMPLETED', 'FAILED'] }).notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    startedAt: timestampColumn('started_at').notNull(),
    endedAt: timestampColumn('ended_at').notNull(),
    latencyMs: integer('latency_ms').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    totalTokens: integer('total_tokens').notNull(),
    inputCostUsd: numeric('input_cost_usd', { precision: 24, scale: 15 }),
    outputCostUsd: numeric('output_cost_usd', { precision: 24, scale: 15 }),
    totalCostUsd: numeric('total_cost_usd', { precision: 24, scale: 15 }),
    accuracyScore: doublePrecision('accuracy_score'),
    /** The panel's verdicts (JSON, parsed with the shared schema when read). */
    accuracy: jsonb('accuracy'),
    accuracyError: text('accuracy_error'),
    metrics: jsonb('metrics'),
    inputPrompt: text('input_prompt').notNull(),
  },
  (table) => [
    uniqueIndex('telemetry_message_idx').on(table.messageId),
    index('telemetry_conversation_idx').on(table.conversationId),
    index('telemetry_tenant_model_idx').on(table.tenantId, table.modelId),
    index('telemetry_trace_id_idx').on(table.traceId),
  ],
);

export type StoredConversation = typeof conversations.$inferSelect;
export type StoredMessage = typeof messages.$inferSelect;
export type TelemetryRow = typeof telemetry.$inferInsert;
export type StoredTelemetry = typeof telemetry.$inferSelect;
