import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createdApiKeySchema, tenantViewSchema } from '@arbiter/shared';
import { and, eq, sql } from 'drizzle-orm';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { usageRecords } from '../../src/db/schema.js';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startOpenAIEmulator } from '../../src/emulators/openai-emulator.js';
import { spawnGatewayProcess } from '../support/gateway-process.js';

/**
 * Three gateway processes on the machine's one Redis and one PostgreSQL, as replicas behind a load balancer: budgets,
 * rate limits and key revocation must hold across them. Needs DATABASE_URL and REDIS_URL (CI's second pass sets both).
 */
const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = readEnv();
const available = databaseUrl !== undefined && redisUrl !== undefined;
if (!available) {
  console.warn('[cluster] DATABASE_URL and REDIS_URL are not both set: the three-replica tests run in CI’s second pass (PostgreSQL + Redis).');
}

const MASTER_KEY = 'sk-cluster-test-master';
const prefix = `arbiter-cluster-${randomUUID().slice(0, 8)}:`;
let emulator: EmulatorHandle;
let database: Database;
const replicas: { origin: string; child: ChildProcess; pool: Pool }[] = [];

async function startReplica(): Promise<void> {
  const { origin, child } = await spawnGatewayProcess({
    ARBITER_MASTER_KEY: MASTER_KEY,
    ARBITER_DATA_DIR: mkdtempSync(join(tmpdir(), 'arbiter-cluster-')),
    ARBITER_LOG_LEVEL: 'warn',
    ARBITER_REDIS_PREFIX: prefix,
    OPENAI_API_KEY: 'sk-emulator',
    OPENAI_BASE_URL: emulator.url,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
  });
  replicas.push({ origin, child, pool: new Pool(origin, { connections: 64 }) });
}

async function call(replica: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }> {
  const target = replicas[replica % replicas.length];
  if (target === undefined) throw new Error('no replica');
  const response = await target.pool.request({
    method: method as 'GET',
    path,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text === '' ? null : (JSON.parse(text) as unknown), headers: response.headers };
}

const master = { authorization: `Bearer ${MASTER_KEY}` };
const chat = { model: 'gpt-4o-mini', max_tokens: 400, messages: [{ role: 'user', content: 'Name a holiday.' }] };

async function createTenantWithKey(limits: Record<string, unknown>, keyLimits: Record<string, unknown> = {}): Promise<{ tenantId: string; key: string; keyId: string }> {
  const tenant = await call(0, 'POST', '/api/v1/admin/tenants', master, { name: `cluster ${randomUUID().slice(0, 6)}`, limits });
  expect(tenant.status).toBe(201);
  const tenantId = tenantViewSchema.parse(tenant.json).id;
  const key = await call(0, 'POST', `/api/v1/admin/api-keys?tenant_id=${tenantId}`, master, { name: 'service', user_id: null, limits: keyLimits });
  expect(key.status, JSON.stringify(key.json)).toBe(201);
  const created = createdApiKeySchema.parse(key.json);
  return { tenantId, key: created.key, keyId: created.id };
}

describe.skipIf(!available)('three replicas on one Redis and one PostgreSQL', () => {
  beforeAll(async () => {
    emulator = await startOpenAIEmulator({ apiKey: 'sk-emulator', fast: true });
    database = await openDatabase({ databaseUrl, dataDir: 'memory://' });
    // One at a time: the first applies the migrations.
    for (let index = 0; index < 3; index++) await startReplica();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(
      replicas.map(async ({ child, pool }) => {
        await pool.close();
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }),
    );
    await database?.close();
    await emulator?.close();
  }, 60_000);

  it('2,000 concurrent requests against a small budget never overshoot it', async () => {
    const budgetUsd = 0.02;
    const { tenantId, key } = await createTenantWithKey({ monthly_budget_usd: String(budgetUsd) });
    const headers = { authorization: `Bearer ${key}` };
    const results = await Promise.all(Array.from({ length: 2000 }, (_, index) => call(index, 'POST', '/v1/chat/completions', headers, chat)));
    const statuses = new Map<number, number>();
    for (const result of results) statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    const succeeded = statuses.get(200) ?? 0;
    const refused = results.filter((result) => result.status === 429 && (result.json as { error: { code: string } }).error.code === 'budget_exceeded').length;
    expect(succeeded + refused, JSON.stringify([...statuses])).toBe(2000);
    expect(succeeded).toBeGreaterThan(10);

    // Every replica writes its records; read them from the database once each has flushed.
    for (let index = 0; index < replicas.length; index++) await call(index, 'GET', '/api/v1/usage?limit=1', master);
    const [row] = await database.db
      .select({ spent: sql<string>`coalesce(sum(${usageRecords.totalCostUsd}), 0)::text`, count: sql<string>`count(*)::text` })
      .from(usageRecords)
      .where(and(eq(usageRecords.tenantId, tenantId), eq(usageRecords.status, 'success')));
    expect(Number(row?.count)).toBe(succeeded);
    // Each request's reservation (400 output tokens + the prompt) covers its actual cost, so the bound is the budget itself.
    expect(Number(row?.spent)).toBeLessThanOrEqual(budgetUsd);
    // And the budget was actually used, not refused early: within one request's reservation of the limit.
    expect(Number(row?.spent)).toBeGreaterThan(budgetUsd - 0.0003);
  }, 120_000);

  it('a 600 RPM key limit admits 600 requests per minute across the three replicas', async () => {
    const { key } = await createTenantWithKey({}, { rpm: 600 });
    const headers = { authorization: `Bearer ${key}` };
    const results = await Promise.all(Array.from({ length: 1000 }, (_, index) => call(index, 'POST', '/v1/chat/completions', headers, chat)));
    const admitted = results.filter((result) => result.status === 200).length;
    const limited = results.filter((result) => result.status === 429);
    expect(admitted).toBeGreaterThanOrEqual(594);
    expect(admitted).toBeLessThanOrEqual(606);
    expect(admitted + limited.length).toBe(1000);
    const sample = limited[0];
    expect(sample?.json).toMatchObject({ error: { code: 'rate_limited', type: 'rate_limit_error' } });
    expect(Number(sample?.headers['retry-after'])).toBeGreaterThan(0);
    expect(sample?.headers['x-ratelimit-limit-requests']).toBe('600');
  }, 120_000);

  it('a key revoked on one replica is refused by the others within a second', async () => {
    const { key, keyId, tenantId } = await createTenantWithKey({});
    const headers = { authorization: `Bearer ${key}` };
    for (let index = 0; index < 3; index++) expect((await call(index, 'GET', '/v1/models', headers)).status).toBe(200);
    const revoked = await call(0, 'POST', `/api/v1/admin/api-keys/${keyId}/revoke?tenant_id=${tenantId}`, master);
    expect(revoked.status).toBe(200);
    const revokedAt = performance.now();
    for (const index of [1, 2]) {
      let refusedAfter: number | null = null;
      while (refusedAfter === null && performance.now() - revokedAt < 5000) {
        const status = (await call(index, 'GET', '/v1/models', headers)).status;
        if (status === 401) refusedAfter = performance.now() - revokedAt;
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(refusedAfter, `replica ${index}`).not.toBeNull();
      expect(refusedAfter ?? Infinity).toBeLessThan(1000);
    }
  }, 60_000);
});
