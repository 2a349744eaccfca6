import { guardrailTriggerSchema, type UsageList, type UsageQuery, type UsageRecordView } from '@arbiter/shared';
import { and, desc, eq, gte, lte, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { keysetCondition, toKeysetPage } from '../db/keyset-page.js';
import { usageRecords, type StoredUsageRecord } from '../db/schema.js';

/** Whose records a caller may read: a tenant (null: every tenant, the platform operator), optionally one user or key. */
export interface UsageScope {
  tenantId: string | null;
  userId?: string;
  keyId?: string;
}

/** Lists usage records newest first, with filters and an opaque keyset cursor (stable under concurrent inserts). */
export async function listUsage(database: Database, scope: UsageScope, query: UsageQuery): Promise<UsageList> {
  const conditions: SQL[] = [];
  if (scope.tenantId !== null) conditions.push(eq(usageRecords.tenantId, scope.tenantId));
  if (scope.userId !== undefined) conditions.push(eq(usageRecords.userId, scope.userId));
  if (scope.keyId !== undefined) conditions.push(eq(usageRecords.keyId, scope.keyId));
  if (query.tenant_id !== undefined) conditions.push(eq(usageRecords.tenantId, query.tenant_id));
  if (query.user_id !== undefined) conditions.push(eq(usageRecords.userId, query.user_id));
  if (query.provider !== undefined) conditions.push(eq(usageRecords.provider, query.provider));
  if (query.model !== undefined) conditions.push(eq(usageRecords.model, query.model));
  if (query.status !== undefined) conditions.push(eq(usageRecords.status, query.status));
  if (query.key_id !== undefined) conditions.push(eq(usageRecords.keyId, query.key_id));
  if (query.trace_id !== undefined) conditions.push(eq(usageRecords.traceId, query.trace_id));
  if (query.since !== undefined) conditions.push(gte(usageRecords.startedAt, new Date(query.since)));
  if (query.until !== undefined) conditions.push(lte(usageRecords.startedAt, new Date(query.until)));
  if (query.cursor !== undefined) conditions.push(keysetCondition(query.cursor, usageRecords.startedAt, usageRecords.id));
  const rows = await database.db
    .select()
    .from(usageRecords)
    .where(conditions.length === 0 ? undefined : and(...conditions))
    .orderBy(desc(usageRecords.startedAt), desc(usageRecords.id))
    .limit(query.limit + 1);
  return toKeysetPage(rows, query.limit, (row) => ({ at: row.startedAt, id: row.id }), toView);
}

/** The jsonb column is read back through its schema, as every database JSON is. */
const guardrailTriggersSchema = z.array(guardrailTriggerSchema);

function toView(row: StoredUsageRecord): UsageRecordView {
  const hasUsage = row.inputTokens !== null && row.outputTokens !== null;
  return {
    id: row.id,
    trace_id: row.traceId,
    tenant_id: row.tenantId,
    key_id: row.keyId,
    user_id: row.userId,
    endpoint: row.endpoint,
    provider: row.provider,
    model: row.model,
    requested_model: row.requestedModel,
    stream: row.stream,
    started_at: row.startedAt.toISOString(),
    ended_at: row.endedAt.toISOString(),
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
    status: row.status,
    http_status: row.httpStatus,
    error_code: row.errorCode,
    error_message: row.errorMessage,
    usage: hasUsage
      ? {
          input: {
            total: row.inputTokens ?? 0,
            noCache: row.inputNoCacheTokens ?? 0,
            cacheRead: row.inputCacheReadTokens ?? 0,
            cacheWrite: row.inputCacheWriteTokens ?? 0,
          },
          output: {
            total: row.outputTokens ?? 0,
            text: row.outputTextTokens ?? 0,
            reasoning: row.outputReasoningTokens ?? 0,
          },
        }
      : null,
    usage_estimated: row.usageEstimated,
    cost:
      row.totalCostUsd === null
        ? null
        : { input: Number(row.inputCostUsd), output: Number(row.outputCostUsd), total: Number(row.totalCostUsd) },
    warnings: row.warnings,
    prompt: row.prompt ?? null,
    response: row.response,
    guardrails: row.guardrails == null ? null : guardrailTriggersSchema.parse(row.guardrails),
  };
}
