import { randomUUID } from 'node:crypto';
import { GatewayError, type GovernanceLog, type PairwiseComparison } from '@arbiter/shared';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { conversations, messages, telemetry, type StoredConversation } from '../db/schema.js';
import type { ExactCost } from './execute-chat.js';
import { toTelemetryRow } from './governance-log.js';
import { formatModelSpec } from './model-spec.js';

/**
 * History writes. They are awaited (history is the product here, and this is not the hot inference path). Each write
 * is one statement — rows that belong together are inserted through data-modifying CTEs — so it is atomic without a
 * transaction (the embedded database serves every query over one connection) and costs one round trip.
 */

export interface TurnStart {
  tenantId: string;
  traceId: string;
  query: string;
  governanceContext: string;
  /** An existing conversation to continue; a new one otherwise. */
  conversationId?: string;
}

export interface PriorTurn {
  query: string;
  /** Completed answers of the turn by `host_platform:model_id`. */
  answers: Map<string, string>;
}

export interface StartedTurn {
  conversationId: string;
  userMessageId: string;
  priorTurns: PriorTurn[];
}

/** Creates (or finds) the conversation and stores the query before any model runs. */
export async function startTurn(database: Database, turn: TurnStart): Promise<StartedTurn> {
  const now = new Date();
  const userMessageId = randomUUID();
  const userMessage = (conversationId: string) => ({
    id: userMessageId,
    conversationId,
    tenantId: turn.tenantId,
    role: 'user' as const,
    content: turn.query,
    traceId: turn.traceId,
    createdAt: now,
  });
  if (turn.conversationId === undefined) {
    const conversationId = randomUUID();
    const conversation = database.db.$with('new_conversation').as(
      database.db
        .insert(conversations)
        .values({ id: conversationId, tenantId: turn.tenantId, title: titleOf(turn.query), governanceContext: turn.governanceContext, createdAt: now, updatedAt: now })
        .returning({ id: conversations.id }),
    );
    await database.db.with(conversation).insert(messages).values(userMessage(conversationId));
    return { conversationId, userMessageId, priorTurns: [] };
  }
  if ((await findConversation(database, turn.tenantId, turn.conversationId)) === null) {
    throw new GatewayError('not_found', { message: `No conversation '${turn.conversationId}'.`, param: 'conversation_id' });
  }
  const priorTurns = await loadPriorTurns(database, turn.conversationId);
  await database.db.insert(messages).values(userMessage(turn.conversationId));
  return { conversationId: turn.conversationId, userMessageId, priorTurns };
}

/** One model's answer (content null when it failed), its telemetry, and the conversation's last activity. */
export async function recordAnswer(database: Database, tenantId: string, parentId: string, log: GovernanceLog, exactCost: ExactCost | null): Promise<void> {
  const messageId = randomUUID();
  const endedAt = new Date(log.ended_at);
  const answer = database.db.$with('answer').as(
    database.db
      .insert(messages)
      .values({
        id: messageId,
        conversationId: log.conversation_id,
        tenantId,
        role: 'assistant',
        content: log.response_text,
        parentId,
        hostPlatform: log.host_platform,
        modelId: log.model_id,
        traceId: log.trace_id,
        createdAt: endedAt,
      })
      .returning({ id: messages.id }),
  );
  const touched = database.db.$with('touched').as(
    database.db
      .update(conversations)
      .set({ updatedAt: sql`greatest(${conversations.updatedAt}, ${endedAt.toISOString()}::timestamptz)` })
      .where(eq(conversations.id, log.conversation_id))
      .returning({ id: conversations.id }),
  );
  await database.db.with(answer, touched).insert(telemetry).values(toTelemetryRow(log, exactCost, messageId, tenantId));
}

export async function saveComparisons(database: Database, userMessageId: string, comparisons: PairwiseComparison[]): Promise<void> {
  await database.db.update(messages).set({ comparisons }).where(eq(messages.id, userMessageId));
}

export async function findConversation(database: Database, tenantId: string, id: string): Promise<StoredConversation | null> {
  const [row] = await database.db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.tenantId, tenantId)))
    .limit(1);
  return row ?? null;
}

/** Earlier queries and each model's completed answer to them, so a follow-up reaches every model with its own context. */
async function loadPriorTurns(database: Database, conversationId: string): Promise<PriorTurn[]> {
  const rows = await database.db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  const turns = new Map<string, PriorTurn>();
  for (const row of rows) {
    if (row.role === 'user') turns.set(row.id, { query: row.content ?? '', answers: new Map() });
  }
  for (const row of rows) {
    if (row.role !== 'assistant' || row.parentId === null || row.content === null || row.hostPlatform === null || row.modelId === null) continue;
    turns.get(row.parentId)?.answers.set(formatModelSpec({ host_platform: row.hostPlatform, model_id: row.modelId }), row.content);
  }
  return [...turns.values()];
}

function titleOf(query: string): string {
  const line = query.trim().split('\n')[0] ?? '';
  return line.length <= 120 ? line : `${line.slice(0, 119)}…`;
}
