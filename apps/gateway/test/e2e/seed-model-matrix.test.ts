import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAllProvidersEnvironment, type AllProvidersEnvironment } from '../support/all-providers-environment.js';
import { describeDatabase } from '../support/test-database.js';
import { MASTER_KEY } from '../support/test-gateway.js';

/**
 * Every model id the seeds name, through both ingress formats, streamed and not, against its provider's emulator.
 * The emulators answer every model with the provider's recorded response, so the usage is the recording's and the
 * cost is that usage at the model's own catalog price, computed here independently of the gateway's code.
 */
const seedModels: Array<{ provider: 'openai' | 'bedrock' | 'vertex' | 'gemini'; id: string; model: string }> = [
  ...['gpt-5.2', 'gpt-5.1', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4.1', 'gpt-4o', 'gpt-4o-mini', 'o1', 'o1-pro', 'o3', 'o3-mini', 'o4-mini'].map(
    (id) => ({ provider: 'openai' as const, id, model: `openai:${id}` }),
  ),
  ...[
    'anthropic.claude-3-5-sonnet-20240620-v1:0',
    'anthropic.claude-3-sonnet-20240229-v1:0',
    'anthropic.claude-3-haiku-20240307-v1:0',
    'meta.llama3-70b-instruct-v1:0',
    'meta.llama3-8b-instruct-v1:0',
    'meta.llama3-1-405b-instruct-v1:0',
    'us.anthropic.claude-3-5-sonnet-20240620-v1:0',
  ].map((id) => ({ provider: 'bedrock' as const, id, model: `aws_bedrock:${id}` })),
  ...['gemini-3-pro-preview', 'gemini-3-flash-preview', 'gemini-3-pro-image-preview', 'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite'].flatMap(
    (id) => [
      { provider: 'vertex' as const, id, model: `gcp_vertex:${id}` },
      { provider: 'gemini' as const, id, model: `gemini/${id}` },
    ],
  ),
];

/** Input and output tokens of each provider's recording (plain and streamed), as the fixtures state them. */
const recordedUsage = {
  openai: { plain: [16, 363], streamed: [16, 300] },
  bedrock: { plain: [7, 30], streamed: [13, 82] },
  vertex: { plain: [13, 8], streamed: [5, 101] },
  gemini: { plain: [9, 43], streamed: [13, 8] },
} as const;

type Price = { input_per_1m: number; output_per_1m: number };
function priceOf(provider: string, id: string): Price {
  const file = JSON.parse(readFileSync(new URL(`../../data/pricing/${provider}.json`, import.meta.url), 'utf8')) as { models: Record<string, { price: Price }> };
  const entry = file.models[id];
  if (entry === undefined) throw new Error(`no catalog price for ${provider}/${id}`);
  return entry.price;
}

const messages = [{ role: 'user' as const, content: 'How do I secure my S3 buckets?' }];
let env: AllProvidersEnvironment;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  env = await startAllProvidersEnvironment();
  openai = new OpenAI({ baseURL: `${env.gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: env.gateway.url, apiKey: MASTER_KEY, maxRetries: 0, logLevel: 'off' });
});
afterAll(async () => {
  await env.close();
});

async function expectCost(requestId: string, provider: keyof typeof recordedUsage, id: string, kind: 'plain' | 'streamed'): Promise<void> {
  const [input, output] = recordedUsage[provider][kind];
  const price = priceOf(provider, id);
  const record = await env.usageFor(requestId);
  expect(record.provider).toBe(provider);
  expect(record.cost?.total).toBeCloseTo((input * price.input_per_1m + output * price.output_per_1m) / 1_000_000, 12);
}

describe('GET /v1/models: a capability record and a price for every seed model', () => {
  it('lists each seed model with its context window, capabilities and catalog price', async () => {
    const listed = new Map<string, { owned_by: string; arbiter?: { capabilities: Record<string, boolean> | null; price: Price | null; context_window: number | null } }>();
    const response = await fetch(`${env.gateway.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    for (const model of ((await response.json()) as { data: Array<{ id: string; owned_by: string }> }).data) listed.set(`${model.owned_by}/${model.id}`, model);
    for (const { provider, id } of seedModels) {
      // Bare ids list under the preferred provider; the Gemini API is preferred to Vertex for the same model.
      const entry = listed.get(`${provider}/${id}`) ?? (provider === 'vertex' ? listed.get(`gemini/${id}`) : undefined);
      expect(entry, `${provider}/${id}`).toBeDefined();
      expect(entry?.arbiter?.price, id).not.toBeNull();
      expect(entry?.arbiter?.capabilities).toMatchObject({ streaming: true, tools: expect.any(Boolean), vision: expect.any(Boolean), json_schema: expect.any(Boolean) });
      expect(entry?.arbiter?.context_window).toBeGreaterThan(0);
    }
  });
});

describe(`every seed model through both ingress formats (${describeDatabase()})`, () => {
  for (const { provider, id, model } of seedModels) {
    it(`${model}: OpenAI format, plain and streamed`, async () => {
      const [input, output] = recordedUsage[provider].plain;
      const { data, response } = await openai.chat.completions.create({ model, messages, max_tokens: 300 }).withResponse();
      expect(data.usage).toMatchObject({ prompt_tokens: input, completion_tokens: output });
      expect(response.headers.get('x-arbiter-provider')).toBe(provider);
      await expectCost(response.headers.get('x-request-id')!, provider, id, 'plain');

      const { data: stream, response: streamed } = await openai.chat.completions
        .create({ model, messages, max_tokens: 300, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) usage = chunk.usage ?? usage;
      expect(usage).toMatchObject({ prompt_tokens: recordedUsage[provider].streamed[0], completion_tokens: recordedUsage[provider].streamed[1] });
      await expectCost(streamed.headers.get('x-request-id')!, provider, id, 'streamed');
    });

    it(`${model}: Anthropic format, plain and streamed`, async () => {
      const [input, output] = recordedUsage[provider].plain;
      const { data, response } = await anthropic.messages.create({ model, messages, max_tokens: 300 }).withResponse();
      expect(data.usage).toMatchObject({ input_tokens: input, output_tokens: output });
      await expectCost(response.headers.get('x-request-id')!, provider, id, 'plain');

      const stream = anthropic.messages.stream({ model, messages, max_tokens: 300 });
      const final = await stream.finalMessage();
      expect(final.usage).toMatchObject({ input_tokens: recordedUsage[provider].streamed[0], output_tokens: recordedUsage[provider].streamed[1] });
      const { response: streamed } = await stream.withResponse();
      await expectCost(streamed.headers.get('x-request-id')!, provider, id, 'streamed');
    });
  }
});
