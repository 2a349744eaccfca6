import type { UsageList, UsageQuery, UsageRecordView } from '@arbiter/shared';
import { and, desc, eq, gte, lte, type SQL } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { keysetCondition, toKeysetPage } from '../db/keyset-page.js';
import { usageRecords, type StoredUsageRecord } from '../db/schema.js';

/** Lists usage records newest first, with filters and an opaque keyset cursor (stable under concurrent inserts). */
export async function listUsage(database: Database, query: UsageQuery): Promise<UsageList> {
  const conditions: SQL[] = [];
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

function toView(row: StoredUsageRecord): UsageRecordView {
  const hasUsage = row.inputTokens !== null && row.outputTokens !== null;
  return {
    id: row.id,
    trace_id: row.traceId,
    tenant_id: row.tenantId,
    key_id: row.keyId,
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
  };
}
