import { GatewayError, type UsageList, type UsageQuery, type UsageRecordView } from '@arbiter/shared';
import { and, desc, eq, gte, lt, lte, or, type SQL } from 'drizzle-orm';
import type { Database } from '../db/database.js';
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
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(query.cursor);
    const before = or(
      lt(usageRecords.startedAt, cursor.startedAt),
      and(eq(usageRecords.startedAt, cursor.startedAt), lt(usageRecords.id, cursor.id)),
    );
    if (before !== undefined) conditions.push(before);
  }
  const rows = await database.db
    .select()
    .from(usageRecords)
    .where(conditions.length === 0 ? undefined : and(...conditions))
    .orderBy(desc(usageRecords.startedAt), desc(usageRecords.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const hasMore = rows.length > query.limit;
  return {
    object: 'list',
    data: page.map(toView),
    has_more: hasMore,
    next_cursor: hasMore && last !== undefined ? encodeCursor(last) : null,
  };
}

function encodeCursor(row: StoredUsageRecord): string {
  return Buffer.from(`${row.startedAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startedAt = new Date(time ?? '');
  if (id === undefined || id === '' || Number.isNaN(startedAt.getTime())) {
    throw new GatewayError('invalid_request', { message: 'The cursor is not valid.', param: 'cursor' });
  }
  return { startedAt, id };
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
