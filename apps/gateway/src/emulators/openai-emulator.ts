import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  buildSseScript,
  defaultUnknownModelPattern,
  findStatusError,
  jsonResponse,
  parseRequestJson,
  resolveServerOptions,
  retryAfterHeaders,
  startEmulatorServer,
  type EmulatorHandle,
  type EmulatorOptions,
  type EmulatorRequest,
  type PreparedResponse,
  type SseScript,
} from './emulator-server.js';
import { loadFixtureStore, type FixtureStore } from './fixture-store.js';

/**
 * Wire-level emulator of api.openai.com (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`) answering with the
 * recorded real responses. Bodies and SSE streams are serialized once at start; per request only the scenario is
 * chosen.
 */

export interface OpenAIEmulatorOptions extends EmulatorOptions {
  /** The only accepted `Authorization: Bearer` key. Default `sk-emulator`. */
  readonly apiKey?: string;
  /** Model ids answered with the recorded 404 `model_not_found`. Default: ids with `nonexistent`/`does-not-exist`. */
  readonly unknownModelPattern?: RegExp;
  readonly fixtures?: FixtureStore;
}

const chatRequestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z.array(z.unknown()).optional(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  tools: z.array(z.unknown()).nullish(),
  response_format: z.looseObject({ type: z.string() }).nullish(),
});

const embeddingRequestSchema = z.looseObject({
  model: z.string().optional(),
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
});

/** A chat stream with and without the usage chunk that `stream_options.include_usage` asks for. */
export interface StreamScripts {
  readonly withUsage: SseScript;
  readonly withoutUsage: SseScript;
}

// Real chat completion bodies are pretty-printed with 2 spaces, in this key order (cassette bodies are re-sorted).
const completionKeyOrder = [
  'id',
  'object',
  'created',
  'model',
  'choices',
  'usage',
  'service_tier',
  'system_fingerprint',
];

function orderKeys(body: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const key of order) if (key in body) ordered[key] = body[key];
  return { ...ordered, ...body };
}

/** OpenAI-protocol chunks (OpenAI, Azure) as SSE, ended by `[DONE]`. */
export function buildStreamScripts(chunks: readonly string[], usageChunk: string): StreamScripts {
  const events = chunks.map((data) => ({ data }));
  const done = { data: '[DONE]' };
  return {
    withUsage: buildSseScript([...events, { data: usageChunk }, done]),
    withoutUsage: buildSseScript([...events, done]),
  };
}

/** OpenAI shows the first 3 and last 4 characters of a rejected key. */
function maskKey(key: string): string {
  return key.length <= 8 ? key : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

export type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

/** OpenAI's error envelope (Azure answers its OpenAI-protocol errors in it too). */
export function errorBody(
  message: string,
  type = 'invalid_request_error',
  param: string | null = null,
  code: string | null = null,
): ErrorBody {
  return { error: { message, type, param, code } };
}

// Messages as the real API words them (quoted in public issue threads; no recordings of these exist).
const keyHelp = 'You can find your API key at https://platform.openai.com/account/api-keys.';
const messages = {
  noKey:
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
    "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the " +
    'API from your browser and are prompted for a username. You can obtain an API key from ' +
    'https://platform.openai.com/account/api-keys.',
  badJson:
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library " +
    'correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble ' +
    'figuring out how to fix this, please contact us through our help center at help.openai.com.)',
  rateLimit: (wait: number) =>
    'Rate limit reached for gpt-4o in organization org-emulator on tokens per min (TPM): Limit 30000, Used 29760, ' +
    `Requested 520. Please try again in ${wait}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
};

const statusErrors: Record<number, ErrorBody> = {
  400: errorBody('Invalid request.'),
  403: errorBody('You are not allowed to sample from this model'),
  404: errorBody('The model does not exist or you do not have access to it.', undefined, null, 'model_not_found'),
  500: errorBody('The server had an error while processing your request. Sorry about that!', 'server_error'),
  502: errorBody('Bad gateway.', 'server_error'),
  503: errorBody('The server is overloaded or not ready yet.', 'server_error'),
};

export async function startOpenAIEmulator(options: OpenAIEmulatorOptions = {}): Promise<EmulatorHandle> {
  const fixtures = (options.fixtures ?? loadFixtureStore()).openai;
  const apiKey = options.apiKey ?? 'sk-emulator';
  const unknownModel = options.unknownModelPattern ?? defaultUnknownModelPattern;

  const serialize = (body: Record<string, unknown>) =>
    Buffer.from(JSON.stringify(orderKeys(body, completionKeyOrder), null, 2));
  const textBody = serialize(fixtures.chatText.body);
  const toolCallBody = serialize(fixtures.chatToolCall.body);
  const textStream = buildStreamScripts(fixtures.chatTextStream.chunks, fixtures.chatTextStream.usageChunk);
  const toolCallStream = buildStreamScripts(fixtures.chatToolCallStream.chunks, fixtures.chatToolCallStream.usageChunk);
  const modelIds = new Set([
    fixtures.chatText.body.model,
    fixtures.chatToolCall.body.model,
    fixtures.chatToolCallStream.model,
    fixtures.embedding.body.model,
    'gpt-4.1-nano',
    'gpt-4o',
    'gpt-4o-mini',
  ]);
  const created = fixtures.chatText.body.created;
  const modelObject = (id: string) => ({ id, object: 'model', created, owned_by: 'system' });
  const modelList = Buffer.from(JSON.stringify({ object: 'list', data: [...modelIds].map(modelObject) }, null, 2));

  let requestCounter = 0;
  const requestIdPrefix = `req_${randomBytes(8).toString('hex')}`;
  const headersFor = (base: Readonly<Record<string, string>>, extra?: Record<string, string>) => {
    requestCounter += 1;
    return {
      ...base,
      'x-request-id': `${requestIdPrefix}${requestCounter.toString(16).padStart(16, '0')}`,
      'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-remaining-requests': '9999',
      'x-ratelimit-reset-requests': '6ms',
      ...extra,
    };
  };
  const jsonHeaders = { ...fixtures.headers, 'content-type': 'application/json' };
  const ok = (body: Buffer, headers: Readonly<Record<string, string>> = jsonHeaders, extra?: Record<string, string>) =>
    ({ kind: 'json', status: 200, headers: headersFor(headers, extra), body }) as const;
  const error = (status: number, body: ErrorBody, extra?: Record<string, string>): PreparedResponse =>
    jsonResponse(status, headersFor(jsonHeaders, extra), body, 2);
  const modelNotFound = (model: string): PreparedResponse => {
    const recorded = fixtures.modelNotFound.body.error;
    const message = recorded.message.replace('`nonexistent`', `\`${model}\``);
    return error(fixtures.modelNotFound.status, { error: { ...recorded, message } });
  };
  const missing = (parameter: string) =>
    parameter === 'model'
      ? error(400, errorBody('you must provide a model parameter'))
      : error(
          400,
          errorBody(`Missing required parameter: '${parameter}'.`, undefined, parameter, 'missing_required_parameter'),
        );

  const authenticate = (request: EmulatorRequest): PreparedResponse | undefined => {
    const header = request.headers.authorization;
    if (!header) return error(401, errorBody(messages.noKey));
    const key = header.replace(/^Bearer\s+/i, '');
    if (key === apiKey) return undefined;
    const message = `Incorrect API key provided: ${maskKey(key)}. ${keyHelp}`;
    return error(401, errorBody(message, undefined, null, 'invalid_api_key'));
  };

  const chatCompletion = (raw: Buffer): PreparedResponse => {
    const json = parseRequestJson(raw);
    if (!json.ok) return error(400, errorBody(messages.badJson));
    const parsed = chatRequestSchema.safeParse(json.value);
    if (!parsed.success) return error(400, errorBody(parsed.error.issues[0]?.message ?? 'Invalid request'));
    const request = parsed.data;
    if (!request.model) return missing('model');
    if (!request.messages) return missing('messages');
    if (unknownModel.test(request.model)) return modelNotFound(request.model);
    const hasTools = (request.tools?.length ?? 0) > 0;
    if (request.stream) {
      const scripts = hasTools ? toolCallStream : textStream;
      const recording = hasTools ? fixtures.chatToolCallStream : fixtures.chatTextStream;
      const script = request.stream_options?.include_usage ? scripts.withUsage : scripts.withoutUsage;
      return { kind: 'sse', headers: headersFor(recording.headers), script };
    }
    // `response_format: json_schema` gets the plain text recording: no JSON-mode chat recording exists.
    return hasTools ? ok(toolCallBody, { ...jsonHeaders, ...fixtures.chatToolCall.headers }) : ok(textBody);
  };

  const embeddingBodies = new Map<string, Buffer>();
  const embeddingBody = (count: number, encoding: 'float' | 'base64'): Buffer => {
    const cacheKey = `${count}:${encoding}`;
    const cached = embeddingBodies.get(cacheKey);
    if (cached) return cached;
    // One vector per input, cycling through the recorded ones; usage stays the recorded numbers.
    const recorded = fixtures.embedding.body;
    const data = Array.from({ length: count }, (_, index) => {
      const vector = recorded.data[index % recorded.data.length]?.embedding ?? [];
      const base64 = () => Buffer.from(new Float32Array(vector).buffer).toString('base64');
      return { object: 'embedding', index, embedding: encoding === 'base64' ? base64() : vector };
    });
    const list = { object: 'list', data, model: recorded.model, usage: recorded.usage };
    const body = Buffer.from(JSON.stringify(list, null, 2));
    embeddingBodies.set(cacheKey, body);
    return body;
  };

  const embeddings = (raw: Buffer): PreparedResponse => {
    const json = parseRequestJson(raw);
    if (!json.ok) return error(400, errorBody(messages.badJson));
    const parsed = embeddingRequestSchema.safeParse(json.value);
    if (!parsed.success) return error(400, errorBody(parsed.error.issues[0]?.message ?? 'Invalid request'));
    const { model, input, encoding_format: encoding } = parsed.data;
    if (!model) return missing('model');
    if (input === undefined) return missing('input');
    if (unknownModel.test(model)) return modelNotFound(model);
    const count = typeof input === 'string' ? 1 : Math.max(1, input.length);
    const modelHeader = { 'openai-model': fixtures.embedding.body.model };
    return ok(embeddingBody(count, encoding ?? 'float'), jsonHeaders, modelHeader);
  };

  const handle = (request: EmulatorRequest): PreparedResponse => {
    const denied = authenticate(request);
    if (denied) return denied;
    const { method, path } = request;
    if (method === 'POST' && path === '/v1/chat/completions') return chatCompletion(request.rawBody);
    if (method === 'POST' && path === '/v1/embeddings') return embeddings(request.rawBody);
    if (method === 'GET' && path === '/v1/models') return ok(modelList);
    const modelId = method === 'GET' ? /^\/v1\/models\/([^/]+)$/.exec(path)?.[1] : undefined;
    if (modelId !== undefined) {
      const id = decodeURIComponent(modelId);
      return modelIds.has(id) ? jsonResponse(200, headersFor(jsonHeaders), modelObject(id), 2) : modelNotFound(id);
    }
    return error(404, errorBody(`Invalid URL (${method} ${path})`));
  };

  return startEmulatorServer({
    ...resolveServerOptions(options),
    basePath: '/v1',
    fault: options.fault ?? null,
    handle,
    renderStatusFault(status, retryAfter) {
      const retryHeaders = retryAfterHeaders(retryAfter);
      if (status === 429) {
        const wait = retryAfter ?? 1;
        const rateHeaders = { 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': `${wait}s` };
        return error(429, errorBody(messages.rateLimit(wait), 'tokens', null, 'rate_limit_exceeded'), {
          ...retryHeaders,
          ...rateHeaders,
        });
      }
      return error(status, findStatusError(statusErrors, status) ?? errorBody('Error', 'server_error'), retryHeaders);
    },
    renderInvalidFault(message) {
      return error(400, errorBody(message));
    },
  });
}
