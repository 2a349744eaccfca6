import { randomUUID } from 'node:crypto';
import { conversationDeletedSchema, conversationDetailSchema, conversationListSchema, governanceLogSchema, type ConversationSummary } from '@arbiter/shared';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { messages, telemetry } from '../../src/db/schema.js';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startOpenAIEmulator } from '../../src/emulators/openai-emulator.js';
import { describeDatabase, openTestDatabase } from '../support/test-database.js';
import { authorization, startTestGateway, type TestGateway } from '../support/test-gateway.js';

/**
 * History routes through `inject()` on the real app and database. Each test works in a governance context of its own
 * (declared in config), so that tests sharing a real PostgreSQL never see each other's conversations.
 */
const contexts = Array.from({ length: 4 }, () => `hist-${randomUUID().slice(0, 8)}`);
const [pagingContext, filterContext, deleteContext, detailContext] = contexts as [string, string, string, string];
let database: Database;
let emulator: EmulatorHandle;
let gateway: TestGateway;

beforeAll(async () => {
  database = await openTestDatabase();
  emulator = await startOpenAIEmulator({ apiKey: 'sk-emulator', fast: true });
  gateway = await startTestGateway({
    database,
    listen: false,
    env: { OPENAI_API_KEY: 'sk-emulator', OPENAI_BASE_URL: emulator.url },
    config: {
      governance: {
        prompts: Object.fromEntries(contexts.map((context) => [context, { version: `${context}-v1`, system: 'You advise.', rubric: 'Criteria: correctness.' }])),
      },
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
  await database?.close();
});

async function analyze(context: string, modelId = 'gpt-4o-mini', query = 'Who may read the audit bucket?'): Promise<string> {
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/api/v1/governance/analyze',
    headers: { ...authorization, 'content-type': 'application/json' },
    payload: { query, governance_context: context, model: { host_platform: 'openai', model_id: modelId }, evaluate: false },
  });
  expect(response.statusCode).toBe(200);
  return governanceLogSchema.parse(response.json()).conversation_id;
}

async function list(query: string): Promise<{ status: number; body: unknown }> {
  const response = await gateway.app.inject({ method: 'GET', url: `/api/v1/history/conversations?${query}`, headers: authorization });
  return { status: response.statusCode, body: response.json() };
}

const newestFirst = (a: ConversationSummary, b: ConversationSummary) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);

describe(`history: conversations, messages and telemetry (${describeDatabase()})`, () => {
  it('pages newest first with a cursor until has_more is false', async () => {
    const created: string[] = [];
    for (let index = 0; index < 5; index++) created.push(await analyze(pagingContext));
    const seen: ConversationSummary[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await list(`context=${pagingContext}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(status).toBe(200);
      const page = conversationListSchema.parse(body);
      pages++;
      expect(page.data.length).toBe(pages < 3 ? 2 : 1);
      expect(page.has_more).toBe(pages < 3);
      seen.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.map((conversation) => conversation.id).sort()).toEqual([...created].sort());
    expect(seen).toEqual([...seen].sort(newestFirst));
    expect(seen.every((conversation) => conversation.governance_context === pagingContext && conversation.title === 'Who may read the audit bucket?')).toBe(true);
  });

  it('filters by model (model_id or host_platform:model_id) and by date', async () => {
    const mini = await analyze(filterContext, 'gpt-4o-mini');
    const full = await analyze(filterContext, 'gpt-4o');
    const byModel = conversationListSchema.parse((await list(`context=${filterContext}&model=gpt-4o`)).body);
    expect(byModel.data.map((conversation) => conversation.id)).toEqual([full]);
    const bySeedName = conversationListSchema.parse((await list(`context=${filterContext}&model=openai:gpt-4o-mini`)).body);
    expect(bySeedName.data.map((conversation) => conversation.id)).toEqual([mini]);
    const all = conversationListSchema.parse((await list(`context=${filterContext}`)).body).data;
    const newest = all[0];
    expect(newest?.id).toBe(full);
    const since = conversationListSchema.parse((await list(`context=${filterContext}&since=${encodeURIComponent(newest?.created_at ?? '')}`)).body);
    expect(since.data.map((conversation) => conversation.id)).toContain(full);
    const until = conversationListSchema.parse((await list(`context=${filterContext}&until=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).body);
    expect(until.data).toEqual([]);
  });

  it('a conversation lists its query and each answer with its telemetry', async () => {
    const id = await analyze(detailContext, 'gpt-4o');
    const response = await gateway.app.inject({ method: 'GET', url: `/api/v1/history/conversations/${id}`, headers: authorization });
    expect(response.statusCode).toBe(200);
    const detail = conversationDetailSchema.parse(response.json());
    expect(detail).toMatchObject({ id, object: 'conversation', governance_context: detailContext });
    expect(detail.messages).toHaveLength(2);
    const [question, answer] = detail.messages;
    expect(question).toMatchObject({ role: 'user', content: 'Who may read the audit bucket?', telemetry: null, model_id: null });
    expect(answer).toMatchObject({ role: 'assistant', parent_id: question?.id, host_platform: 'openai', model_id: 'gpt-4o' });
    expect(answer?.telemetry).toMatchObject({
      conversation_id: id,
      provider: 'OPENAI',
      status: 'COMPLETED',
      prompt_version: `${detailContext}-v1`,
      usage: { input_tokens: 16, output_tokens: 363, total_tokens: 379 },
      accuracy: null,
      accuracy_error: 'not evaluated: evaluate is false',
    });
    expect(answer?.telemetry?.response_text).toBe(answer?.content);
    // The conversation's last activity is its last answer, written in the same statement as the answer.
    expect(detail.updated_at).toBe(answer?.created_at);
    expect(answer?.telemetry?.cost?.total_cost).toBeGreaterThan(0);
  });

  it('DELETE removes the conversation with its messages and telemetry; a second DELETE is 404', async () => {
    const id = await analyze(deleteContext);
    const deleted = await gateway.app.inject({ method: 'DELETE', url: `/api/v1/history/conversations/${id}`, headers: authorization });
    expect(deleted.statusCode).toBe(200);
    expect(conversationDeletedSchema.parse(deleted.json())).toEqual({ id, object: 'conversation.deleted', deleted: true });
    const [messageCount] = await database.db.select({ value: count() }).from(messages).where(eq(messages.conversationId, id));
    const [telemetryCount] = await database.db.select({ value: count() }).from(telemetry).where(eq(telemetry.conversationId, id));
    expect([messageCount?.value, telemetryCount?.value]).toEqual([0, 0]);
    const again = await gateway.app.inject({ method: 'DELETE', url: `/api/v1/history/conversations/${id}`, headers: authorization });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: { code: 'not_found', type: 'not_found_error' } });
    const read = await gateway.app.inject({ method: 'GET', url: `/api/v1/history/conversations/${id}`, headers: authorization });
    expect(read.statusCode).toBe(404);
    expect(conversationListSchema.parse((await list(`context=${deleteContext}`)).body).data).toEqual([]);
  });

  it('errors use the OpenAI envelope: bad cursor 400, unknown id 404, no key 401', async () => {
    const badCursor = await list('cursor=not-a-cursor');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body).toMatchObject({ error: { code: 'invalid_request', param: 'cursor' } });
    const badLimit = await list('limit=0');
    expect(badLimit.status).toBe(400);
    const unknown = await gateway.app.inject({ method: 'GET', url: '/api/v1/history/conversations/nope', headers: authorization });
    expect(unknown.statusCode).toBe(404);
    const anonymous = await gateway.app.inject({ method: 'GET', url: '/api/v1/history/conversations' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'missing_api_key' } });
  });
});
