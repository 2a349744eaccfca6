import { readdirSync, readFileSync } from 'node:fs';
import { chatCompletionRequestSchema, embeddingRequestSchema, type NormalizedUsage } from '@arbiter/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BedrockAdapter } from '../providers/bedrock/bedrock-adapter.js';
import { EventStreamDecoder } from '../providers/shared/aws-event-stream.js';
import { signBedrockRequest } from '../providers/bedrock/sign-bedrock-request.js';
import { HttpClient } from '../providers/shared/http-client.js';
import type { ChatStream, ChatStreamPart } from '../providers/shared/provider-adapter.js';
import { bedrockFaultHeaderName, startBedrockEmulator, type BedrockEmulatorHandle } from './bedrock-emulator.js';
import { verifySignature } from './bedrock-emulator-signature.js';
import { loadBedrockFixtures } from './bedrock-fixtures.js';

const fixtures = loadBedrockFixtures();
const credentials = { accessKeyId: 'AKIAEMULATORTEST0001', secretAccessKey: 'emulator/secret/key+0001' };
const region = 'eu-central-1';
const nova = 'us.amazon.nova-micro-v1:0';
const claude = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

let emulator: BedrockEmulatorHandle;
let http: HttpClient;

beforeAll(async () => {
  emulator = await startBedrockEmulator({ region, ...credentials });
  http = new HttpClient(4);
});
afterAll(async () => {
  await http.close();
  await emulator.close();
});
afterEach(() => emulator.setFault(null));

function createAdapter(overrides: { region?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } = {}) {
  return new BedrockAdapter({ id: 'bedrock', region: overrides.region ?? region, credentials: overrides.credentials ?? credentials, endpoint: emulator.url, timeoutMs: 5_000, http });
}

const chatCall = (request: Record<string, unknown>, upstreamModel = nova) => ({
  request: chatCompletionRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'What is the capital of France?' }], ...request }),
  upstreamModel,
  requestId: 'req-test',
  signal: new AbortController().signal,
});

const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0): NormalizedUsage => ({
  input: { total: input + cacheRead + cacheWrite, noCache: input, cacheRead, cacheWrite },
  output: { total: output, text: output, reasoning: 0 },
});

async function collect(stream: ChatStream) {
  const result = { text: '', reasoning: '', toolNames: [] as string[], usage: [] as NormalizedUsage[], parts: [] as ChatStreamPart[] };
  for await (const part of stream) {
    result.parts.push(part);
    if (part.type === 'usage') result.usage.push(part.usage);
    else {
      const delta = part.chunk.choices[0]?.delta;
      result.text += delta?.content ?? '';
      result.reasoning += delta?.reasoning_content ?? '';
      for (const call of delta?.tool_calls ?? []) if (call.function?.name !== undefined) result.toolNames.push(call.function.name);
    }
  }
  return result;
}

const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);
const streamFailure = async (stream: ChatStream): Promise<unknown> => failure(collect(stream));
const capitalTool = { type: 'function', function: { name: 'get_capital', parameters: { type: 'object', properties: { country: { type: 'string' } } } } };

describe('Bedrock emulator with the Bedrock adapter: Converse', () => {
  it('answers a signed request with the recorded text and usage', async () => {
    const result = await createAdapter().createChatCompletion(chatCall({ messages: [{ role: 'user', content: 'Hello!' }] }));
    expect(result.body.choices[0]?.message.content).toMatch(/^Hello! How can I assist you today\?/);
    expect(result.usage).toEqual(usage(7, 30));
    expect(result.upstream.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const recorded = emulator.requests.at(-1);
    expect(recorded?.path).toBe('/model/us.amazon.nova-micro-v1%3A0/converse');
    expect(recorded?.headers.authorization).toContain(`/${region}/bedrock/aws4_request`);
  });

  it('answers with the recorded tool call, then with the recorded answer to the tool result', async () => {
    const first = await createAdapter().createChatCompletion(chatCall({ tools: [capitalTool] }));
    const toolCalls = first.body.choices[0]?.message.tool_calls ?? [];
    expect(toolCalls.map((call) => call.function)).toEqual([{ name: 'get_capital', arguments: '{"country":"France"}' }]);
    expect(first.usage).toEqual(usage(426, 66));
    const messages = [
      { role: 'user', content: 'What is the capital of France?' },
      { role: 'assistant', content: first.body.choices[0]?.message.content, tool_calls: toolCalls },
      { role: 'tool', tool_call_id: toolCalls[0]?.id, content: 'Paris' },
    ];
    const second = await createAdapter().createChatCompletion(chatCall({ messages, tools: [capitalTool] }));
    expect(second.finishReason).toBe('stop');
    expect(second.usage).toEqual(usage(531, 76));
  });

  it('answers a request with cache points with the cache write, and the same request again with the cache read', async () => {
    const request = { messages: [{ role: 'system', content: [{ type: 'text', text: 'A long prompt', cache_control: { type: 'ephemeral' } }] }, { role: 'user', content: 'What is 10 + 11?' }] };
    const write = await createAdapter().createChatCompletion(chatCall(request, claude));
    const read = await createAdapter().createChatCompletion(chatCall(request, claude));
    expect(write.usage).toEqual(usage(2, 5, 0, 1322));
    expect(read.usage).toEqual(usage(2, 5, 1322, 0));
    expect(read.body.usage?.total_tokens).toBe(1329);
  });

  it('answers an unknown model with the recorded 400 ValidationException', async () => {
    const error = await failure(createAdapter().createChatCompletion(chatCall({}, 'us.does-not-exist-model-v1:0')));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', publicCode: 'ValidationException', message: 'bedrock: The provided model identifier is invalid.' });
  });
});

describe('Bedrock emulator with the Bedrock adapter: ConverseStream', () => {
  it('streams the recorded text frames', async () => {
    const result = await collect(await createAdapter().streamChatCompletion(chatCall({})));
    expect(result.text).toMatch(/^The capital of France is Paris\. .* "The City of Love\."$/);
    expect(result.usage).toEqual([usage(13, 82)]);
  });

  it('streams the recorded tool call, and the recorded thinking for Claude with reasoning_effort', async () => {
    const tool = await collect(await createAdapter().streamChatCompletion(chatCall({ tools: [capitalTool] })));
    expect(tool.toolNames).toEqual(['get_temperature']);
    expect(tool.usage).toEqual([usage(471, 91)]);
    const thinking = await collect(await createAdapter().streamChatCompletion(chatCall({ reasoning_effort: 'low' }, claude)));
    expect(thinking.reasoning).toMatch(/^The user has greeted me/);
    expect(thinking.text).toBe("Hello! It's nice to meet you. How can I help you today?");
    expect(thinking.usage).toEqual([usage(36, 73)]);
  });

  it('writes one frame per write, so cut-stream drops the connection after whole frames, before the usage', async () => {
    emulator.setFault({ kind: 'cut-stream', afterEvents: 5 });
    const parts: ChatStreamPart[] = [];
    const error = await failure(
      (async () => {
        for await (const part of await createAdapter().streamChatCompletion(chatCall({}))) parts.push(part);
      })(),
    );
    // The connection closes inside the chunked body: a transport failure, retryable like any other.
    expect(error).toMatchObject({ code: 'upstream_unavailable', isRetryable: true });
    expect(parts.map((part) => part.type)).toEqual(['chunk', 'chunk', 'chunk', 'chunk', 'chunk']);
  });

  it('breaks a frame checksum with the bad-crc fault, and inserts a broken frame with malformed', async () => {
    emulator.setFault({ kind: 'bad-crc', frame: 3 });
    const badCrc = await streamFailure(await createAdapter().streamChatCompletion(chatCall({})));
    expect(badCrc).toMatchObject({ code: 'upstream_invalid_response' });
    expect((badCrc as Error).message).toMatch(/checksum/);
    emulator.setFault({ kind: 'malformed' });
    expect(await streamFailure(await createAdapter().streamChatCompletion(chatCall({})))).toMatchObject({ code: 'upstream_invalid_response' });
  });

  it('takes bad-crc per request in its own header', async () => {
    const url = new URL(`${emulator.url}/model/${encodeURIComponent(nova)}/converse-stream`);
    const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
    const headers = await signBedrockRequest({ method: 'POST', url, headers: { 'content-type': 'application/json', [bedrockFaultHeaderName]: '{"kind":"bad-crc","frame":0}' }, body }, { credentials, region });
    const response = await fetch(url, { method: 'POST', headers, body });
    expect(response.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(() => new EventStreamDecoder().push(bytes)).toThrow(/message checksum/);
  });

  it('renders status faults as Bedrock exceptions', async () => {
    emulator.setFault({ kind: 'status', status: 429, retryAfter: 2 });
    const error = await failure(createAdapter().streamChatCompletion(chatCall({})));
    expect(error).toMatchObject({ status: 429, publicCode: 'ThrottlingException', isRetryable: true, retryAfterSeconds: 2 });
  });
});

describe('Bedrock emulator: SigV4 verification', () => {
  it('rejects a wrong secret, an unknown key, another region and an unsigned request with 403', async () => {
    const wrongSecret = await failure(createAdapter({ credentials: { ...credentials, secretAccessKey: 'not-the-secret' } }).createChatCompletion(chatCall({})));
    expect(wrongSecret).toMatchObject({ status: 403, type: 'authentication_error', publicCode: 'InvalidSignatureException', isRetryable: false });
    expect((wrongSecret as Error).message).toMatch(/The request signature we calculated does not match the signature you provided/);
    const unknownKey = await failure(createAdapter({ credentials: { ...credentials, accessKeyId: 'AKIAUNKNOWN' } }).createChatCompletion(chatCall({})));
    expect(unknownKey).toMatchObject({ status: 403, publicCode: 'UnrecognizedClientException' });
    const otherRegion = await failure(createAdapter({ region: 'us-west-2' }).createChatCompletion(chatCall({})));
    expect(otherRegion).toMatchObject({ status: 403, publicCode: 'InvalidSignatureException' });
    const unsigned = await fetch(`${emulator.url}/model/${encodeURIComponent(nova)}/converse`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException:/);
    expect(await unsigned.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('rejects a body changed after signing, and accepts a session token', async () => {
    const url = new URL(`${emulator.url}/model/${encodeURIComponent(nova)}/converse`);
    const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
    const headers = await signBedrockRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body }, { credentials, region });
    const tampered = await fetch(url, { method: 'POST', headers, body: body.replace('Hi', 'Ho') });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get('x-amzn-errortype')).toMatch(/^InvalidSignatureException:/);
    const withToken = await createAdapter({ credentials: { ...credentials, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE' } }).createChatCompletion(chatCall({}));
    expect(withToken.usage).toEqual(usage(7, 30));
  });

  it('verifies the AWS SigV4 test suite signatures (independent of the signer the adapter uses)', () => {
    const suite = new URL('../../fixtures/providers/bedrock/sigv4/aws-signing-test-suite/v4/', import.meta.url);
    const read = (name: string, file: string) => readFileSync(new URL(`${name}/${file}`, suite), 'utf8');
    const names = readdirSync(suite).filter((name) => JSON.parse(read(name, 'context.json')).normalize === true);
    expect(names).toHaveLength(23);
    for (const name of names) {
      const context = JSON.parse(read(name, 'context.json')) as { credentials: { access_key_id: string; secret_access_key: string }; region: string; service: string; timestamp: string };
      const [head = '', body = ''] = read(name, 'header-signed-request.txt').split('\n\n');
      const [requestLine = '', ...lines] = head.split('\n');
      const target = requestLine.replace(/^\S+ /, '').replace(/ HTTP\/1\.1$/, '');
      const headers: Record<string, string> = {};
      let last = '';
      for (const line of lines.filter((text) => text !== '')) {
        if (/^\s/.test(line)) headers[last] += `\n${line}`;
        else {
          last = line.slice(0, line.indexOf(':')).toLowerCase();
          const value = line.slice(line.indexOf(':') + 1);
          headers[last] = last in headers ? `${headers[last]},${value}` : value;
        }
      }
      const queryStart = target.indexOf('?');
      const verdict = verifySignature(
        { method: requestLine.split(' ')[0] ?? '', path: queryStart === -1 ? target : target.slice(0, queryStart), query: queryStart === -1 ? '' : target.slice(queryStart + 1), headers, body: Buffer.from(body) },
        { region: context.region, service: context.service, accessKeyId: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key, now: new Date(context.timestamp) },
      );
      expect([name, verdict]).toEqual([name, { valid: true }]);
    }
  });
});

describe('Bedrock emulator: InvokeModel (Titan Text Embeddings)', () => {
  const embeddingCall = (request: Record<string, unknown>) => ({
    request: embeddingRequestSchema.parse({ model: 'titan', ...request }),
    upstreamModel: 'amazon.titan-embed-text-v2:0',
    requestId: 'req-test',
    signal: new AbortController().signal,
  });

  it('answers the recorded request with the recorded vector, and others with unit vectors of the asked size', async () => {
    const recorded = await createAdapter().createEmbeddings(embeddingCall({ input: 'Test embedding dimensions', dimensions: 256 }));
    expect(recorded.body.data[0]?.embedding).toEqual(fixtures.titanEmbedding.body.embedding);
    expect(recorded.usage?.input.total).toBe(4);
    const other = await createAdapter().createEmbeddings(embeddingCall({ input: ['one two', 'three'], dimensions: 512 }));
    expect(other.body.data).toHaveLength(2);
    const vector = other.body.data[0]?.embedding as number[];
    expect(vector).toHaveLength(512);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
    expect(other.body.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
  });

  it('rejects dimensions Titan v2 does not offer', async () => {
    const error = await failure(createAdapter().createEmbeddings(embeddingCall({ input: 'x', dimensions: 300 })));
    expect(error).toMatchObject({ status: 400, publicCode: 'ValidationException' });
  });
});

describe('Bedrock emulator: fast mode', () => {
  it('writes a stream in one piece and records nothing', async () => {
    const fast = await startBedrockEmulator({ fast: true });
    try {
      const adapter = new BedrockAdapter({ id: 'bedrock', region: 'us-east-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, endpoint: fast.url, timeoutMs: 5_000, http });
      const result = await collect(await adapter.streamChatCompletion(chatCall({})));
      expect(result.usage).toEqual([usage(13, 82)]);
      expect(fast.requests).toHaveLength(0);
    } finally {
      await fast.close();
    }
  });
});
