import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAllProvidersEnvironment, type AllProvidersEnvironment } from '../support/all-providers-environment.js';
import { describeDatabase } from '../support/test-database.js';
import { MASTER_KEY, type TestGateway } from '../support/test-gateway.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];
let env: AllProvidersEnvironment;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  env = await startAllProvidersEnvironment();
  gateway = env.gateway;
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await env.close();
});

const costOf = (requestId: string) => env.usageFor(requestId);

async function streamText(model: string): Promise<{ text: string; usage: OpenAI.CompletionUsage | null | undefined; requestId: string }> {
  const { data: stream, response } = await client.chat.completions
    .create({ model, messages, max_tokens: 200, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage, requestId: response.headers.get('x-request-id')! };
}

describe(`the official openai client to Bedrock, Gemini, Vertex AI and Azure emulators (${describeDatabase()})`, () => {
  it('Bedrock Converse, plain and streamed, signed with SigV4; exact usage and cost', async () => {
    const model = 'anthropic.claude-3-haiku-20240307-v1:0';
    const { data, response } = await client.chat.completions.create({ model, messages, max_tokens: 200 }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('bedrock');
    expect(data.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 30 });
    // $0.25 / $1.25 per 1M: 7 × 0.25 + 30 × 1.25 = 1.75 + 37.5
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.00003925');
    const streamed = await streamText(`bedrock/${model}`);
    expect(streamed.text.length).toBeGreaterThan(0);
    expect(streamed.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 82 });
    expect(await costOf(streamed.requestId)).toMatchObject({ cost: { input: 0.00000325, output: 0.0001025, total: 0.00010575 } });
  });

  it('Bedrock prompt caching: a cache point written, then read, each priced at its own rate', async () => {
    const model = 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0';
    const cached = [
      { role: 'system' as const, content: [{ type: 'text' as const, text: 'A long governance policy…', cache_control: { type: 'ephemeral' } } as never] },
      ...messages,
    ];
    const write = await client.chat.completions.create({ model, messages: cached, max_tokens: 50 }).withResponse();
    const read = await client.chat.completions.create({ model, messages: cached, max_tokens: 50 }).withResponse();
    const written = await costOf(write.response.headers.get('x-request-id')!);
    const readBack = await costOf(read.response.headers.get('x-request-id')!);
    // Recorded: 2 plain input tokens + 1322 written to (then read from) the cache, 5 output tokens.
    expect(written.usage).toEqual({ input: { total: 1324, noCache: 2, cacheRead: 0, cacheWrite: 1322 }, output: { total: 5, text: 5, reasoning: 0 } });
    expect(readBack.usage).toEqual({ input: { total: 1324, noCache: 2, cacheRead: 1322, cacheWrite: 0 }, output: { total: 5, text: 5, reasoning: 0 } });
    // $3 input, $3.75 cache write, $0.30 cache read, $15 output per 1M.
    expect(written.cost).toEqual({ input: 0.0049635, output: 0.000075, total: 0.0050385 });
    expect(readBack.cost).toEqual({ input: 0.0004026, output: 0.000075, total: 0.0004776 });
  });

  it('Gemini API: thoughts are output tokens priced at the output rate', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('gemini');
    expect(data.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 43, completion_tokens_details: { reasoning_tokens: 34 } });
    // $0.30 / $2.50 per 1M: 9 × 0.30 + (9 + 34) × 2.50 = 2.7 + 107.5
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0001102');
    const record = (await costOf(response.headers.get('x-request-id')!)) as { usage: unknown };
    expect(record.usage).toEqual({ input: { total: 9, noCache: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 43, text: 9, reasoning: 34 } });
    const streamed = await streamText('gemini/gemini-2.5-flash');
    expect(streamed.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 8 });
  });

  it('Vertex AI with a service-account key: token exchange, generateContent and streams', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'vertex/gemini-2.5-flash', messages }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('vertex');
    expect(data.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 8 });
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0000239');
    const streamed = await streamText('vertex/gemini-2.5-flash');
    expect(streamed.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 101, completion_tokens_details: { reasoning_tokens: 100 } });
    // 5 × 0.30 + 101 × 2.50 per 1M
    expect(await costOf(streamed.requestId)).toMatchObject({ cost: { total: 0.000254 } });
  });

  it('Azure OpenAI deployments: api-key auth, content-filter results kept, exact cost', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'azure/gpt-4o', messages }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('azure');
    expect(data.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 9 });
    expect((data.choices[0] as unknown as { content_filter_results?: unknown }).content_filter_results).toBeDefined();
    // Azure gpt-4o: $2.50 / $10 per 1M: 14 × 2.5 + 9 × 10
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.000125');
    const streamed = await streamText('azure/gpt-4o');
    expect(streamed.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 78 });
  });

  it('bare ids go to the preferred provider with credentials: gemini-2.5-pro → Gemini API, gpt-4o → OpenAI', async () => {
    const models: string[] = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain('anthropic.claude-3-haiku-20240307-v1:0');
    expect(models).toContain('gemini-3-pro-preview');
    const { response } = await client.chat.completions.create({ model: 'gemini-2.5-pro', messages }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('gemini');
    const { response: gpt } = await client.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    expect(gpt.headers.get('x-arbiter-provider')).toBe('openai');
  });
});
