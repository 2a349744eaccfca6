import { readFileSync } from 'node:fs';
import {
  analyzeBatchResponseSchema,
  batchStartEventSchema,
  batchSummaryEventSchema,
  governanceLogSchema,
  usageListSchema,
  type AnalyzeBatchResponse,
  type ModelSpec,
} from '@arbiter/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAllProvidersEnvironment, type AllProvidersEnvironment } from '../support/all-providers-environment.js';
import { describeDatabase } from '../support/test-database.js';
import { authorization } from '../support/test-gateway.js';

/**
 * Governance batches through the real gateway, the wire-level emulators of every provider and the real database.
 * The emulators answer every model with their provider's recorded response, so usage is the recording's and the
 * cost of each model is that usage at the model's own catalog price, computed here independently.
 */
const recordedUsage: Record<string, readonly [number, number]> = { openai: [16, 363], bedrock: [7, 30], vertex: [13, 8], gemini: [9, 43] };
const catalogFileOf: Record<string, string> = { openai: 'openai', aws_bedrock: 'bedrock', gcp_vertex: 'vertex', google: 'gemini' };

const models: ModelSpec[] = [
  { host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-sonnet-20240229-v1:0' },
  { host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-haiku-20240307-v1:0' },
  { host_platform: 'aws_bedrock', model_id: 'meta.llama3-70b-instruct-v1:0' },
  { host_platform: 'openai', model_id: 'gpt-4o' },
  { host_platform: 'openai', model_id: 'gpt-4o-mini' },
  { host_platform: 'openai', model_id: 'gpt-4.1' },
  { host_platform: 'openai', model_id: 'gpt-4o' },
  { host_platform: 'gcp_vertex', model_id: 'gemini-2.5-pro' },
  { host_platform: 'gcp_vertex', model_id: 'gemini-2.5-flash' },
  { host_platform: 'google', model_id: 'gemini-2.5-flash' },
  { host_platform: 'google', model_id: 'gemini-2.5-pro' },
];
const query = 'How do I secure my S3 buckets?';
let env: AllProvidersEnvironment;

beforeAll(async () => {
  env = await startAllProvidersEnvironment({
    // One attempt and no breaker: a fault shows as that model's failure, not as a retry or a later test's refusal.
    config: { routing: { max_attempts: 1, circuit_breaker: { failure_threshold: 1000, cooldown_ms: 1 } } },
  });
});
afterAll(async () => {
  await env?.close();
});
afterEach(() => {
  for (const emulator of Object.values(env.emulators)) emulator.setFault(null);
});

function priceOf(hostPlatform: string, modelId: string): { input_per_1m: number; output_per_1m: number } {
  const file = catalogFileOf[hostPlatform] ?? hostPlatform;
  const catalog = JSON.parse(readFileSync(new URL(`../../data/pricing/${file}.json`, import.meta.url), 'utf8')) as {
    models: Record<string, { price: { input_per_1m: number; output_per_1m: number } }>;
  };
  const entry = catalog.models[modelId];
  if (entry === undefined) throw new Error(`no catalog price for ${file}/${modelId}`);
  return entry.price;
}

async function analyzeBatch(body: object, requestId?: string): Promise<{ status: number; body: unknown; wallMs: number }> {
  const started = performance.now();
  const response = await fetch(`${env.gateway.url}/api/v1/governance/analyze/batch`, {
    method: 'POST',
    headers: { ...authorization, 'content-type': 'application/json', ...(requestId === undefined ? {} : { 'x-request-id': requestId }) },
    body: JSON.stringify(body),
  });
  const parsed: unknown = await response.json();
  return { status: response.status, body: parsed, wallMs: performance.now() - started };
}

describe(`governance batch through every provider's emulator (${describeDatabase()})`, () => {
  it('11 models run concurrently: the batch takes about the slowest model, not the sum', async () => {
    env.emulators.bedrock.setFault({ kind: 'latency', ms: 700 });
    const { status, body, wallMs } = await analyzeBatch({ query, governance_context: 'aws', models, evaluate: false });
    expect(status).toBe(200);
    const batch = analyzeBatchResponseSchema.parse(body);
    expect(batch.results.map((log) => `${log.host_platform}:${log.model_id}`)).toEqual(models.map((spec) => `${spec.host_platform}:${spec.model_id}`));
    expect(batch.results.every((log) => log.status === 'COMPLETED' && log.success)).toBe(true);
    const bedrock = batch.results.filter((log) => log.provider === 'AWS');
    expect(bedrock).toHaveLength(3);
    for (const log of bedrock) expect(log.usage.latency_ms).toBeGreaterThanOrEqual(700);
    const sum = batch.results.reduce((total, log) => total + log.usage.latency_ms, 0);
    expect(sum).toBeGreaterThan(2100);
    // Serially the three Bedrock models alone would take 2.1 s; concurrently the whole batch takes ~0.7 s.
    expect(wallMs).toBeGreaterThanOrEqual(700);
    expect(wallMs).toBeLessThan(1300);
    expect(batch.summary).toMatchObject({ completed: 11, failed: 0 });
    expect(batch.summary.wall_time_ms).toBeLessThan(1300);
    expect(new Set(batch.results.map((log) => log.provider))).toEqual(new Set(['AWS', 'OPENAI', 'GOOGLE']));
  });

  it('each cost is the catalog price × the emulated usage, and each execution left one usage record with the trace id', async () => {
    const requestId = `governance-cost-${Date.now()}`;
    const { body } = await analyzeBatch({ query, governance_context: 'aws', models, evaluate: false }, requestId);
    const batch = analyzeBatchResponseSchema.parse(body);
    expect(batch.trace_id).toBe(requestId);
    for (const log of batch.results) {
      const provider = catalogFileOf[log.host_platform] ?? '';
      const [input, output] = recordedUsage[provider] ?? [0, 0];
      const price = priceOf(log.host_platform, log.model_id);
      expect(log.usage, `${log.host_platform}:${log.model_id}`).toMatchObject({ input_tokens: input, output_tokens: output, total_tokens: input + output });
      expect(log.cost?.input_cost).toBeCloseTo((input * price.input_per_1m) / 1e6, 12);
      expect(log.cost?.output_cost).toBeCloseTo((output * price.output_per_1m) / 1e6, 12);
      expect(log.cost?.total_cost).toBeCloseTo((input * price.input_per_1m + output * price.output_per_1m) / 1e6, 12);
    }
    const expectedTotal = batch.results.reduce((sum, log) => sum + (log.cost?.total_cost ?? 0), 0);
    expect(batch.summary.total_cost).toBeCloseTo(expectedTotal, 12);
    expect(batch.summary.cheapest?.value).toBe(Math.min(...batch.results.map((log) => log.cost?.total_cost ?? Infinity)));

    await env.gateway.recorder.flush(true);
    const usage = usageListSchema.parse(await (await fetch(`${env.gateway.url}/api/v1/usage?trace_id=${requestId}&limit=100`, { headers: authorization })).json());
    expect(usage.data).toHaveLength(models.length);
    const recordedCost = usage.data.reduce((sum, record) => sum + (record.cost?.total ?? 0), 0);
    expect(recordedCost).toBeCloseTo(batch.summary.total_cost, 12);
  });

  it('a faulted provider fails only its own models, each with its error, while the others complete', async () => {
    env.emulators.google.setFault({ kind: 'status', status: 500 });
    const { status, body } = await analyzeBatch({ query, governance_context: 'gcp', models, evaluate: false });
    expect(status).toBe(200);
    const batch = analyzeBatchResponseSchema.parse(body);
    for (const log of batch.results) {
      if (log.provider === 'GOOGLE') {
        expect(log).toMatchObject({ status: 'FAILED', success: false, response_text: null, accuracy: null, error_code: 'upstream_error' });
        expect(log.error_message).toMatch(/^(vertex|gemini): /);
      } else {
        expect(log).toMatchObject({ status: 'COMPLETED', success: true, error_message: null });
        expect(log.response_text?.length).toBeGreaterThan(0);
      }
    }
    expect(batch.summary).toMatchObject({ completed: 7, failed: 4 });
  });

  it('a model slower than its timeout fails alone with upstream_timeout, and does not hold the batch', async () => {
    env.emulators.openai.setFault({ kind: 'latency', ms: 3000 });
    const { body, wallMs } = await analyzeBatch({ query, governance_context: 'aws', models, evaluate: false, timeout_ms: 500 });
    const batch = analyzeBatchResponseSchema.parse(body);
    for (const log of batch.results) {
      if (log.provider === 'OPENAI') {
        expect(log).toMatchObject({ status: 'FAILED', success: false, error_code: 'upstream_timeout' });
        expect(log.error_message).toContain('did not answer within 500 ms');
        expect(log.usage.latency_ms).toBeGreaterThanOrEqual(480);
        expect(log.usage.latency_ms).toBeLessThan(1500);
      } else {
        expect(log.status).toBe('COMPLETED');
      }
    }
    expect(wallMs).toBeLessThan(1500);
  });

  it('?stream=true sends start, each log as its model finishes (slowest last), then the summary', async () => {
    env.emulators.bedrock.setFault({ kind: 'latency', ms: 500 });
    const response = await fetch(`${env.gateway.url}/api/v1/governance/analyze/batch?stream=true`, {
      method: 'POST',
      headers: { ...authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ query, governance_context: 'aws', models, evaluate: false }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(await response.text());
    expect(events.map((event) => event.event)).toEqual(['start', ...models.map(() => 'result'), 'summary']);
    const start = batchStartEventSchema.parse(events[0]?.data);
    const results = events.slice(1, -1).map((event) => governanceLogSchema.parse(event.data));
    const summary = batchSummaryEventSchema.parse(events.at(-1)?.data);
    expect(summary.conversation_id).toBe(start.conversation_id);
    expect(results.every((log) => log.conversation_id === start.conversation_id)).toBe(true);
    // The three slow Bedrock models arrive after every other model.
    expect(results.slice(-3).map((log) => log.provider)).toEqual(['AWS', 'AWS', 'AWS']);
    const endedAt = results.map((log) => Date.parse(log.ended_at));
    expect(Math.max(...endedAt.slice(0, -3))).toBeLessThanOrEqual(Math.min(...endedAt.slice(-3)));
    expect(summary.summary).toMatchObject({ completed: 11, failed: 0 });
  });

  it('refuses what it cannot run before running anything: unknown context, too many models, unknown conversation', async () => {
    const unknownContext = await analyzeBatch({ query, governance_context: 'mainframe', models });
    expect(unknownContext.status).toBe(400);
    expect(unknownContext.body).toMatchObject({ error: { code: 'invalid_request', param: 'governance_context' } });
    const tooMany = await analyzeBatch({ query, models: Array.from({ length: 33 }, () => models[3]) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { param: 'models' } });
    const noConversation = await analyzeBatch({ query, models, conversation_id: 'does-not-exist' });
    expect(noConversation.status).toBe(404);
    const badBody = await analyzeBatch({ query, models: [{ host_platform: 'openai' }] });
    expect(badBody.status).toBe(400);
    const unauthenticated = await fetch(`${env.gateway.url}/api/v1/governance/analyze/batch`, { method: 'POST', body: '{}' });
    expect(unauthenticated.status).toBe(401);
  });

  it('an unknown model fails alone as model_not_found', async () => {
    const { body } = await analyzeBatch({ query, models: [models[3], { host_platform: 'nowhere', model_id: 'x' }], evaluate: false });
    const batch: AnalyzeBatchResponse = analyzeBatchResponseSchema.parse(body);
    expect(batch.results[0]?.status).toBe('COMPLETED');
    expect(batch.results[1]).toMatchObject({ status: 'FAILED', provider: 'NOWHERE', error_code: 'model_not_found', cost: null });
  });
});

function parseSse(text: string): Array<{ event: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}
