import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  buildSseScript,
  jsonResponse,
  startEmulatorServer,
  type EmulatorFault,
  type EmulatorHandle,
  type EmulatorRequest,
  type PreparedResponse,
  type SseScript,
} from './emulator-server.js';
import { loadFixtureStore, type FixtureStore, type OpenAIStreamRecording } from './fixture-store.js';

/**
 * Wire-level emulator of api.openai.com (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`) answering with the
 * recorded real responses. Bodies and SSE streams are serialized once at start; per request only the scenario is chosen.
 */

export interface OpenAIEmulatorOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** The only accepted `Authorization: Bearer` key. Default `sk-emulator`. */
  readonly apiKey?: string;
  /** Benchmark mode: a stream is written in one piece and requests are not recorded (unless `record: true`). */
  readonly fast?: boolean;
  readonly record?: boolean;
  /** Fault active from the start (same as calling `setFault`). */
  readonly fault?: EmulatorFault | null;
  /** Model ids answered with the recorded 404 `model_not_found`. Default: ids containing `nonexistent`/`does-not-exist`. */
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

interface StreamScripts {
  readonly withUsage: SseScript;
  readonly withoutUsage: SseScript;
}

// Real chat completion bodies are pretty-printed with 2 spaces, in this key order (cassette bodies are re-sorted).
const completionKeyOrder = ['id', 'object', 'created', 'model', 'choices', 'usage', 'service_tier', 'system_fingerprint'];

function orderKeys(body: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const key of order) if (key in body) ordered[key] = body[key];
  return { ...ordered, ...body };
}

function buildStreamScripts(recording: OpenAIStreamRecording): StreamScripts {
  const events = recording.chunks.map((data) => ({ data }));
  const done = { data: '[DONE]' };
  return {
    withUsage: buildSseScript([...events, { data: recording.usageChunk }, done]),
    withoutUsage: buildSseScript([...events, done]),
  };
}

/** OpenAI shows the first 3 and last 4 characters of a rejected key. */
function maskKey(key: string): string {
  return key.length <= 8 ? key : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

function errorBody(message: string, type: string, param: string | null, code: string | null) {
  return { error: { message, type, param, code } };
}

const statusErrors: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  403: { message: 'You are not allowed to sample from this model', type: 'invalid_request_error', code: null },
  404: { message: 'The model does not exist or you do not have access to it.', type: 'invalid_request_error', code: 'model_not_found' },
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', code: null },
  502: { message: 'Bad gateway.', type: 'server_error', code: null },
  503: { message: 'The server is overloaded or not ready yet.', type: 'server_error', code: null },
};

export async function startOpenAIEmulator(options: OpenAIEmulatorOptions = {}): Promise<EmulatorHandle> {
  const fixtures = (options.fixtures ?? loadFixtureStore()).openai;
  const apiKey = options.apiKey ?? 'sk-emulator';
  const unknownModel = options.unknownModelPattern ?? /nonexistent|does-not-exist/i;
  const fast = options.fast ?? false;

  const textBody = Buffer.from(JSON.stringify(orderKeys(fixtures.chatText.body, completionKeyOrder), null, 2));
  const toolCallBody = Buffer.from(JSON.stringify(orderKeys(fixtures.chatToolCall.body, completionKeyOrder), null, 2));
  const textStream = buildStreamScripts(fixtures.chatTextStream);
  const toolCallStream = buildStreamScripts(fixtures.chatToolCallStream);
  const modelIds = new Set([
    fixtures.chatText.body.model,
    fixtures.chatToolCall.body.model,
    fixtures.chatToolCallStream.usageChunk.match(/"model":"([^"]+)"/)?.[1] ?? 'gpt-4o-mini-2024-07-18',
    fixtures.embedding.body.model,
    'gpt-4.1-nano',
    'gpt-4o',
    'gpt-4o-mini',
  ]);
  const modelList = Buffer.from(
    JSON.stringify({
      object: 'list',
      data: [...modelIds].map((id) => ({ id, object: 'model', created: fixtures.chatText.body['created'] ?? 0, owned_by: 'system' })),
    }),
  );

  let requestCounter = 0;
  const requestIdPrefix = `req_${randomBytes(8).toString('hex')}`;
  const headersFor = (base: Readonly<Record<string, string>>, extra?: Record<string, string>): Record<string, string> => {
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
  const error = (status: number, body: ReturnType<typeof errorBody>, extra?: Record<string, string>): PreparedResponse =>
    jsonResponse(status, headersFor(jsonHeaders, extra), body, 2);
  const modelNotFound = (model: string): PreparedResponse =>
    error(fixtures.modelNotFound.status, {
      error: { ...fixtures.modelNotFound.body.error, message: fixtures.modelNotFound.body.error.message.replace('`nonexistent`', `\`${model}\``) },
    });
  const badJson = () =>
    error(
      400,
      errorBody(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
        'invalid_request_error',
        null,
        null,
      ),
    );
  const missing = (parameter: string) =>
    parameter === 'model'
      ? error(400, errorBody('you must provide a model parameter', 'invalid_request_error', null, null))
      : error(400, errorBody(`Missing required parameter: '${parameter}'.`, 'invalid_request_error', parameter, 'missing_required_parameter'));

  const parseJson = (raw: Buffer): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(raw.toString('utf8')) };
    } catch {
      return { ok: false };
    }
  };

  const authenticate = (request: EmulatorRequest): PreparedResponse | undefined => {
    const header = request.headers.authorization;
    if (!header) {
      return error(
        401,
        errorBody(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
          'invalid_request_error',
          null,
          null,
        ),
      );
    }
    const key = header.replace(/^Bearer\s+/i, '');
    if (key === apiKey) return undefined;
    return error(
      401,
      errorBody(
        `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        null,
        'invalid_api_key',
      ),
    );
  };

  const chatCompletion = (raw: Buffer): PreparedResponse => {
    const json = parseJson(raw);
    if (!json.ok) return badJson();
    const parsed = chatRequestSchema.safeParse(json.value);
    if (!parsed.success) return error(400, errorBody(parsed.error.issues[0]?.message ?? 'Invalid request', 'invalid_request_error', null, null));
    const request = parsed.data;
    if (!request.model) return missing('model');
    if (!request.messages) return missing('messages');
    if (unknownModel.test(request.model)) return modelNotFound(request.model);
    const hasTools = (request.tools?.length ?? 0) > 0;
    if (request.stream) {
      const scripts = hasTools ? toolCallStream : textStream;
      const recording = hasTools ? fixtures.chatToolCallStream : fixtures.chatTextStream;
      return {
        kind: 'sse',
        headers: headersFor(recording.headers),
        script: request.stream_options?.include_usage ? scripts.withUsage : scripts.withoutUsage,
      };
    }
    // `response_format: json_schema` gets the plain text recording: no JSON-mode chat recording exists.
    const recording = hasTools ? fixtures.chatToolCall : fixtures.chatText;
    return { kind: 'json', status: 200, headers: headersFor({ ...jsonHeaders, ...recording.headers }), body: hasTools ? toolCallBody : textBody };
  };

  const embeddingCache = new Map<string, Buffer>();
  const embeddings = (raw: Buffer): PreparedResponse => {
    const json = parseJson(raw);
    if (!json.ok) return badJson();
    const parsed = embeddingRequestSchema.safeParse(json.value);
    if (!parsed.success) return error(400, errorBody(parsed.error.issues[0]?.message ?? 'Invalid request', 'invalid_request_error', null, null));
    const { model, input, encoding_format: encoding } = parsed.data;
    if (!model) return missing('model');
    if (input === undefined) return missing('input');
    if (unknownModel.test(model)) return modelNotFound(model);
    const count = Math.max(1, typeof input === 'string' ? 1 : input.length);
    const cacheKey = `${count}:${encoding ?? 'float'}`;
    let body = embeddingCache.get(cacheKey);
    if (!body) {
      // One vector per input, cycling through the recorded ones; usage stays the recorded numbers.
      const recorded = fixtures.embedding.body;
      const data = Array.from({ length: count }, (_, index) => {
        const vector = recorded.data[index % recorded.data.length]?.embedding ?? [];
        const embedding = encoding === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
        return { object: 'embedding', index, embedding };
      });
      body = Buffer.from(JSON.stringify({ object: 'list', data, model: recorded.model, usage: recorded.usage }, null, 2));
      embeddingCache.set(cacheKey, body);
    }
    return { kind: 'json', status: 200, headers: headersFor(jsonHeaders, { 'openai-model': fixtures.embedding.body.model }), body };
  };

  const handle = (request: EmulatorRequest): PreparedResponse => {
    const denied = authenticate(request);
    if (denied) return denied;
    if (request.method === 'POST' && request.path === '/v1/chat/completions') return chatCompletion(request.rawBody);
    if (request.method === 'POST' && request.path === '/v1/embeddings') return embeddings(request.rawBody);
    if (request.method === 'GET' && request.path === '/v1/models') {
      return { kind: 'json', status: 200, headers: headersFor(jsonHeaders), body: modelList };
    }
    const modelMatch = request.method === 'GET' ? /^\/v1\/models\/([^/]+)$/.exec(request.path) : null;
    if (modelMatch?.[1]) {
      const id = decodeURIComponent(modelMatch[1]);
      if (!modelIds.has(id)) return modelNotFound(id);
      return jsonResponse(200, headersFor(jsonHeaders), { id, object: 'model', created: fixtures.chatText.body['created'] ?? 0, owned_by: 'system' }, 2);
    }
    return error(404, errorBody(`Invalid URL (${request.method} ${request.path})`, 'invalid_request_error', null, null));
  };

  return startEmulatorServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    basePath: '/v1',
    fast,
    record: options.record ?? !fast,
    fault: options.fault ?? null,
    handle,
    renderStatusFault(status, retryAfter) {
      const retryHeaders: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter), 'retry-after-ms': String(retryAfter * 1000) };
      if (status === 429) {
        const wait = retryAfter ?? 1;
        return error(
          429,
          errorBody(
            `Rate limit reached for gpt-4o in organization org-emulator on tokens per min (TPM): Limit 30000, Used 29760, Requested 520. Please try again in ${wait}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
            'tokens',
            null,
            'rate_limit_exceeded',
          ),
          { ...retryHeaders, 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': `${wait}s` },
        );
      }
      const known = statusErrors[status] ?? (status >= 500 ? statusErrors[500] : statusErrors[400]);
      return error(status, errorBody(known?.message ?? 'Error', known?.type ?? 'server_error', null, known?.code ?? null), retryHeaders);
    },
    renderInvalidFault(message) {
      return error(400, errorBody(message, 'invalid_request_error', null, null));
    },
  });
}
