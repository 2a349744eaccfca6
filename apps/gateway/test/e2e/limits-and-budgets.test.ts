import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startOpenAIEmulator } from '../../src/emulators/openai-emulator.js';
import { createApiKey, createTenant, type TestTenant } from '../support/identity-fixtures.js';
import { describeDatabase, openTestDatabase } from '../support/test-database.js';
import { authorization, startTestGateway, type TestGateway } from '../support/test-gateway.js';

/**
 * Rate limits, token limits, budgets (reserve, then settle), model allowlists and the global cap in one process, through
 * the official openai client: the embedded default keeps them in memory; CI's second pass runs the same tests with the
 * stores in memory too (the three-replica test covers Redis).
 */
let database: Database;
let emulator: EmulatorHandle;
let gateway: TestGateway;
let tenant: TestTenant;

// The emulator answers gpt-4o-mini with the recorded 16 + 363 tokens: $0.0002202 a request.
const costPerRequest = 0.0002202;
const chat = { model: 'gpt-4o-mini', max_tokens: 400, messages: [{ role: 'user' as const, content: 'Name a holiday.' }] };

beforeAll(async () => {
  database = await openTestDatabase();
  emulator = await startOpenAIEmulator({ apiKey: 'sk-emulator', fast: true });
  gateway = await startTestGateway({ database, env: { OPENAI_API_KEY: 'sk-emulator', OPENAI_BASE_URL: emulator.url } });
  tenant = await createTenant(gateway.app);
});
afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
  await database?.close();
});

function client(key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; code: string | null; headers: Headers | null }> {
  try {
    await promise;
    return { status: 200, code: null, headers: null };
  } catch (error) {
    if (error instanceof OpenAI.APIError) return { status: error.status ?? 0, code: (error.code as string | null) ?? null, headers: error.headers ?? null };
    throw error;
  }
}

describe(`limits and budgets, one process (${describeDatabase()})`, () => {
  it('a key’s RPM limit refuses the request over it with 429, Retry-After and x-ratelimit headers', async () => {
    const key = await createApiKey(gateway.app, tenant.admin, { limits: { rpm: 3 } });
    const openai = client(key.key);
    const first = await openai.chat.completions.create(chat).withResponse();
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    await openai.chat.completions.create(chat);
    await openai.chat.completions.create(chat);
    const refused = await statusOf(openai.chat.completions.create(chat));
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(refused.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('a TPM limit admits while the minute’s tokens are under it, counting the real usage', async () => {
    const key = await createApiKey(gateway.app, tenant.admin, { limits: { tpm: 500 } });
    const openai = client(key.key);
    await openai.chat.completions.create(chat); // 379 tokens
    await new Promise((resolve) => setTimeout(resolve, 50));
    await openai.chat.completions.create(chat); // 379 < 500 → admitted; now 758
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await statusOf(openai.chat.completions.create(chat));
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(refused.headers?.get('x-ratelimit-limit-tokens')).toBe('500');
  });

  it('a monthly budget admits while the reservation fits, then refuses with budget_exceeded; spend and alerts are reported', async () => {
    // Two requests fit ($0.0004404 spent); the third's reservation (400 output tokens + prompt) does not.
    const budgeted = await createTenant(gateway.app, { limits: { monthly_budget_usd: '0.0005' } });
    const key = await createApiKey(gateway.app, budgeted.admin);
    const openai = client(key.key);
    await openai.chat.completions.create(chat);
    await openai.chat.completions.create(chat);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await statusOf(openai.chat.completions.create(chat));
    expect(refused).toMatchObject({ status: 429, code: 'budget_exceeded' });

    const budgets = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/budgets', headers: budgeted.admin.headers });
    expect(budgets.statusCode).toBe(200);
    expect(budgets.json().data).toEqual([
      expect.objectContaining({ scope: 'tenant', scope_id: budgeted.id, period: 'month', budget_usd: '0.0005', spent_usd: (2 * costPerRequest).toFixed(7), reserved_usd: '0' }),
    ]);
    const alerts = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/budget-alerts', headers: budgeted.admin.headers });
    expect(alerts.json().data.map((alert: { threshold_percent: number }) => alert.threshold_percent).sort()).toEqual([50, 80]);
  });

  it('concurrent requests never overshoot a budget: reservations count before any answer', async () => {
    const budgeted = await createTenant(gateway.app, { limits: { monthly_budget_usd: '0.002' } });
    const openai = client((await createApiKey(gateway.app, budgeted.admin)).key);
    const results = await Promise.all(Array.from({ length: 40 }, () => statusOf(openai.chat.completions.create(chat))));
    const succeeded = results.filter((result) => result.status === 200).length;
    expect(results.every((result) => result.status === 200 || result.code === 'budget_exceeded')).toBe(true);
    expect(succeeded * costPerRequest).toBeLessThanOrEqual(0.002);
    expect(succeeded).toBeGreaterThanOrEqual(7);
  });

  it('a key’s model allowlist refuses other models with 403 model_not_allowed', async () => {
    const key = await createApiKey(gateway.app, tenant.admin, { allowed_models: ['gpt-4o-mini'] });
    const openai = client(key.key);
    await openai.chat.completions.create(chat);
    const refused = await statusOf(openai.chat.completions.create({ ...chat, model: 'gpt-4o' }));
    expect(refused).toMatchObject({ status: 403, code: 'model_not_allowed' });
  });

  it('the cost-optimisation insight lists the tenant’s spend by model with cheaper equivalents', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/api/v1/admin/cost-optimization', headers: tenant.admin.headers });
    expect(response.statusCode).toBe(200);
    const mini = (response.json() as { models: { model: string; requests: number; alternatives: { estimated_cost_usd: string }[]; cost_usd: string }[] }).models.find(
      (entry) => entry.model === 'gpt-4o-mini',
    );
    expect(mini?.requests).toBeGreaterThanOrEqual(6);
    for (const alternative of mini?.alternatives ?? []) expect(Number(alternative.estimated_cost_usd)).toBeLessThan(Number(mini?.cost_usd));
  });

  it('ARBITER_IP_RPM limits each client address across keys; ARBITER_LOGIN_ATTEMPTS_PER_IP limits sign-in attempts', async () => {
    const limited = await startTestGateway({ database, env: { OPENAI_API_KEY: 'sk-emulator', OPENAI_BASE_URL: emulator.url, ARBITER_IP_RPM: '2', ARBITER_LOGIN_ATTEMPTS_PER_IP: '3' } });
    try {
      const keys = await Promise.all([createApiKey(limited.app, tenant.admin), createApiKey(limited.app, tenant.admin)]);
      const [first, second] = keys.map((key) => new OpenAI({ apiKey: key.key, baseURL: `${limited.url}/v1`, maxRetries: 0 }));
      await first!.chat.completions.create(chat);
      await second!.chat.completions.create(chat);
      expect(await statusOf(first!.chat.completions.create(chat))).toMatchObject({ status: 429, code: 'rate_limited' });
      const attempts = [];
      for (let index = 0; index < 4; index++) {
        attempts.push((await limited.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.test', password: 'wrong password!!' } })).statusCode);
      }
      expect(attempts).toEqual([401, 401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it('seed 002’s MONTHLY_COST_LIMIT caps every tenant', async () => {
    const capped = await startTestGateway({ database, env: { OPENAI_API_KEY: 'sk-emulator', OPENAI_BASE_URL: emulator.url, MONTHLY_COST_LIMIT: '0' } });
    try {
      const openai = new OpenAI({ apiKey: authorization.authorization.slice('Bearer '.length), baseURL: `${capped.url}/v1`, maxRetries: 0 });
      expect(await statusOf(openai.chat.completions.create(chat))).toMatchObject({ status: 429, code: 'budget_exceeded' });
    } finally {
      await capped.close();
    }
  });
});
