import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { describeDatabase } from '../support/test-database.js';
import { readFixture, readJsonFixture, startE2EEnvironment, type E2EEnvironment } from '../support/e2e-environment.js';

interface RecordedCompletion {
  model: string;
  choices: Array<{ message: { content: string | null } }>;
  usage: { prompt_tokens: number; completion_tokens: number };
}

const openaiText = readJsonFixture<RecordedCompletion>('openai/openai-text.json');
const openaiStreamChunks = readFixture('openai/openai-text.chunks.txt')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { choices: Array<{ delta: { content?: string | null } }>; usage: RecordedCompletion['usage'] | null });
const openaiStreamText = openaiStreamChunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
const openaiStreamUsage = openaiStreamChunks.at(-1)!.usage!;
const toolCassette = parseYaml(readFixture('openai/test_openai_tool_output.yaml')) as {
  interactions: Array<{ response: { parsed_body: RecordedCompletion & { choices: Array<{ message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }> } } }>;
};
const recordedToolCall = toolCassette.interactions[0]!.response.parsed_body;

const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];
let env: E2EEnvironment;

beforeAll(async () => {
  env = await startE2EEnvironment();
});
afterAll(async () => {
  await env.close();
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe(`the official openai client through the gateway to the OpenAI emulator (${describeDatabase()})`, () => {
  it('chat completion: the recorded answer, our headers, and a usage record priced exactly', async () => {
    const { data, response } = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe(openaiText.choices[0]?.message.content);
    expect(data.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 363 });
    expect(response.headers.get('x-arbiter-provider')).toBe('openai');
    expect(response.headers.get('x-arbiter-model')).toBe('gpt-4o-mini');
    // gpt-4o-mini: 16 × $0.15/1M + 363 × $0.60/1M = 0.0000024 + 0.0002178
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0002202');
    expect(response.headers.get('x-arbiter-warnings')).toBeNull();
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const record = await env.usageFor(requestId);
    expect(record).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      requested_model: 'gpt-4o-mini',
      status: 'success',
      http_status: 200,
      stream: false,
      usage_estimated: false,
      usage: { input: { total: 16, noCache: 16, cacheRead: 0, cacheWrite: 0 }, output: { total: 363, text: 363, reasoning: 0 } },
      cost: { input: 0.0000024, output: 0.0002178, total: 0.0002202 },
      prompt: messages,
      response: openaiText.choices[0]?.message.content,
    });
    expect(record.latency_ms).toBeGreaterThanOrEqual(0);
    expect(new Date(record.ended_at).getTime()).toBeGreaterThanOrEqual(new Date(record.started_at).getTime());
    // What reached the upstream: the model name it knows, and max_completion_tokens for OpenAI.
    const upstream = env.openaiEmulator.requests.at(-1)!;
    expect(upstream.headers.authorization).toBe('Bearer sk-emulator');
    expect(upstream.body).toMatchObject({ model: 'gpt-4o-mini', messages });
  });

  it('streams without include_usage: no usage chunk reaches the client, yet the record has the upstream usage', async () => {
    const { data: stream, response } = await env.client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages, stream: true }).withResponse();
    const chunks = await collect(stream);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(openaiStreamText);
    expect(chunks.some((chunk) => chunk.usage != null)).toBe(false);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    // The gateway asked the upstream for usage although the client did not.
    expect(env.openaiEmulator.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record.usage?.output.total).toBe(openaiStreamUsage.completion_tokens);
    expect(record.usage?.input.total).toBe(openaiStreamUsage.prompt_tokens);
    // 16 × 0.15 + 300 × 0.60 per 1M
    expect(record.cost).toEqual({ input: 0.0000024, output: 0.00018, total: 0.0001824 });
    expect(record).toMatchObject({ stream: true, status: 'success', usage_estimated: false, response: openaiStreamText });
    expect(record.ttft_ms).not.toBeNull();
  });

  it('streams with include_usage: the final chunk carries the upstream usage exactly', async () => {
    const stream = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
    const chunks = await collect(stream);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 16, completion_tokens: 300, total_tokens: 316 });
    expect(chunks.filter((chunk) => chunk.usage != null)).toHaveLength(1);
  });

  it('tool calls, plain and streamed', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_user_country', parameters: { type: 'object', properties: {} } } }];
    const { data, response } = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools, tool_choice: 'required' }).withResponse();
    expect(data.choices[0]?.finish_reason).toBe('tool_calls');
    expect(data.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: recordedToolCall.choices[0]!.message.tool_calls[0]!.function });
    // 68 × 0.15 + 12 × 0.60 per 1M
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0000174');
    expect(env.openaiEmulator.requests.at(-1)!.body).toMatchObject({ tools, tool_choice: 'required' });

    const stream = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools, stream: true, stream_options: { include_usage: true } });
    const chunks = await collect(stream);
    const argumentsText = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []).map((call) => call.function?.arguments ?? '').join('');
    expect(JSON.parse(argumentsText)).toEqual({ country: 'UK' });
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 53, completion_tokens: 15 });
  });

  it('response_format json_schema reaches OpenAI unchanged', async () => {
    const responseFormat = {
      type: 'json_schema' as const,
      json_schema: { name: 'holiday', strict: true, schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } },
    };
    const data = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages, response_format: responseFormat });
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(env.openaiEmulator.requests.at(-1)!.body).toMatchObject({ response_format: responseFormat });
  });

  it('embeddings, priced per input token', async () => {
    const { data, response } = await env.client.embeddings.create({ model: 'text-embedding-3-small', input: ['sunny day at the beach', 'rainy day in the city'] }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.usage.prompt_tokens).toBe(12);
    // 12 × $0.02/1M
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.00000024');
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record).toMatchObject({ endpoint: 'embeddings', usage: { input: { total: 12 }, output: { total: 0 } }, cost: { total: 0.00000024 } });
  });

  it('models.list shows the catalog models of configured providers and config models', async () => {
    const ids: string[] = [];
    for await (const model of env.client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
    expect(ids).toContain('claude-sonnet-4-5');
    expect(ids).toContain(`${env.localProvider}-llama`);
  });

  it('reasoning models: refused sampling parameters become warnings, not upstream 400s', async () => {
    const { response } = await env.client.chat.completions.create({ model: 'o3', messages, temperature: 0.3, max_tokens: 100 }).withResponse();
    expect(response.headers.get('x-arbiter-warnings')).toContain('temperature is not supported by the reasoning model o3');
    const upstream = env.openaiEmulator.requests.at(-1)!;
    expect(upstream.body).not.toHaveProperty('temperature');
    expect(upstream.body).toMatchObject({ model: 'o3', max_completion_tokens: 100 });
  });

  it('upstream 4xx pass through with their status and the provider named', async () => {
    const error = await env.client.chat.completions.create({ model: 'openai/nonexistent-model', messages }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error' });
    expect((error as Error).message).toContain('openai:');
  });
});

describe('OpenAI-compatible server declared in config, with no code', () => {
  it('serves the config model under its own name with its config price', async () => {
    const { data, response } = await env.client.chat.completions.create({ model: `${env.localProvider}-llama`, messages, max_tokens: 50 }).withResponse();
    expect(data.choices[0]?.message.content).toBe(openaiText.choices[0]?.message.content);
    expect(response.headers.get('x-arbiter-provider')).toBe(env.localProvider);
    expect(response.headers.get('x-arbiter-model')).toBe('llama3.1');
    // $0.001/1K = $1/1M input, $0.002/1K = $2/1M output: 16 × 1 + 363 × 2 per 1M
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.000742');
    const upstream = env.openaiEmulator.requests.at(-1)!;
    expect(upstream.body).toMatchObject({ model: 'llama3.1', max_tokens: 50 });
    expect(upstream.body).not.toHaveProperty('max_completion_tokens');
  });

  it('a model of the provider without a price is served, recorded with cost null and a warning', async () => {
    const { response } = await env.client.chat.completions.create({ model: `${env.localProvider}/mistral`, messages }).withResponse();
    expect(response.headers.get('x-arbiter-cost-usd')).toBeNull();
    expect(response.headers.get('x-arbiter-warnings')).toContain('no price is known');
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record.cost).toBeNull();
    expect(record.usage?.output.total).toBe(363);
    expect(record.warnings.join(' ')).toContain('no price is known');
  });

  it('a json_schema the server cannot do is downgraded with a warning, never silently', async () => {
    const { response } = await env.client.chat.completions
      .create({ model: `${env.localProvider}-llama`, messages, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } })
      .withResponse();
    expect(response.headers.get('x-arbiter-warnings')).toContain('json_schema');
    expect(env.openaiEmulator.requests.at(-1)!.body).toMatchObject({ response_format: { type: 'json_object' } });
  });
});
