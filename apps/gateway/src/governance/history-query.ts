import {
  GatewayError,
  pairwiseComparisonSchema,
  type ConversationDetail,
  type ConversationList,
  type ConversationSummary,
  type HistoryQuery,
} from '@arbiter/shared';
import { and, asc, desc, eq, exists, gte, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { keysetCondition, toKeysetPage } from '../db/keyset-page.js';
import { conversations, messages, telemetry, type StoredConversation } from '../db/schema.js';
import { fromTelemetryRow } from './governance-log.js';
import { findConversation } from './history-store.js';

const comparisonsSchema = z.array(pairwiseComparisonSchema);

/** Conversations newest first, with filters and an opaque keyset cursor (stable under concurrent inserts). */
export async function listConversations(database: Database, tenantId: string, query: HistoryQuery): Promise<ConversationList> {
  const conditions: SQL[] = [eq(conversations.tenantId, tenantId)];
  if (query.context !== undefined) conditions.push(eq(conversations.governanceContext, query.context));
  if (query.since !== undefined) conditions.push(gte(conversations.createdAt, new Date(query.since)));
  if (query.until !== undefined) conditions.push(lte(conversations.createdAt, new Date(query.until)));
  if (query.model !== undefined) {
    const answeredBy = or(
      eq(telemetry.modelId, query.model),
      eq(sql`${telemetry.hostPlatform} || ':' || ${telemetry.modelId}`, query.model),
    );
    conditions.push(
      exists(
        database.db
          .select({ one: sql`1` })
          .from(telemetry)
          .where(and(eq(telemetry.conversationId, conversations.id), answeredBy)),
      ),
    );
  }
  if (query.cursor !== undefined) conditions.push(keysetCondition(query.cursor, conversations.createdAt, conversations.id));
  const rows = await database.db
    .select()
    .from(conversations)
    .where(and(...conditions))
    .orderBy(desc(conversations.createdAt), desc(conversations.id))
    .limit(query.limit + 1);
  return toKeysetPage(rows, query.limit, (row) => ({ at: row.createdAt, id: row.id }), toSummary);
}

/** A conversation with every message in order, answers carrying their telemetry. */
export async function getConversation(database: Database, tenantId: string, id: string): Promise<ConversationDetail> {
  const conversation = await findConversation(database, tenantId, id);
  if (conversation === null) throw notFound(id);
  const rows = await database.db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, id))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  const answerIds = rows.filter((row) => row.role === 'assistant').map((row) => row.id);
  const telemetryRows = answerIds.length === 0 ? [] : await database.db.select().from(telemetry).where(inArray(telemetry.messageId, answerIds));
  const telemetryByMessage = new Map(telemetryRows.map((row) => [row.messageId, row]));
  // Queries first within the same millisecond: an answer never sorts before the question it answers.
  const ordered = [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.role === b.role ? 0 : a.role === 'user' ? -1 : 1));
  return {
    ...toSummary(conversation),
    messages: ordered.map((row) => {
      const telemetryRow = telemetryByMessage.get(row.id);
      return {
        id: row.id,
        role: row.role,
        content: row.content,
        parent_id: row.parentId,
        host_platform: row.hostPlatform,
        model_id: row.modelId,
        trace_id: row.traceId,
        created_at: row.createdAt.toISOString(),
        telemetry: telemetryRow === undefined ? null : fromTelemetryRow(telemetryRow, row.content),
        comparisons: row.comparisons === null ? [] : comparisonsSchema.parse(row.comparisons),
      };
    }),
  };
}

/** Deletes a conversation; its messages and telemetry go with it (foreign keys cascade). Usage records stay. */
export async function deleteConversation(database: Database, tenantId: string, id: string): Promise<void> {
  const deleted = await database.db
    .delete(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.tenantId, tenantId)))
    .returning({ id: conversations.id });
  if (deleted.length === 0) throw notFound(id);
}

function toSummary(row: StoredConversation): ConversationSummary {
  return {
    id: row.id,
    object: 'conversation',
    title: row.title,
    governance_context: row.governanceContext,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function notFound(id: string): GatewayError {
  return new GatewayError('not_found', { message: `No conversation '${id}'.` });
}

