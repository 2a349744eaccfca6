import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  buildSseScript,
  containsKey,
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
} from './emulator-server.js';
import { loadFixtureStore, type AnthropicMessage, type FixtureStore, type JsonRecording } from './fixture-store.js';

/**
 * Wire-level emulator of api.anthropic.com (`/v1/messages`, `/v1/messages/count_tokens`) answering with the recorded
 * real responses: JSON bodies compact as the API sends them, SSE as `event: <type>\ndata: <json>\n\n`.
 */

export interface AnthropicEmulatorOptions extends EmulatorOptions {
  /** The only accepted key (`x-api-key` or `Authorization: Bearer`). Default `sk-ant-emulator`. */
  readonly apiKey?: string;
  /** Model ids answered with the recorded 404 `not_found_error`. Default: ids with `nonexistent`/`does-not-exist`. */
  readonly unknownModelPattern?: RegExp;
  readonly fixtures?: FixtureStore;
}

const messagesRequestSchema = z.looseObject({
  model: z.string().optional(),
  max_tokens: z.number().optional(),
  messages: z.array(z.unknown()).optional(),
  system: z.unknown().optional(),
  stream: z.boolean().nullish(),
  tools: z.array(z.unknown()).nullish(),
  thinking: z.looseObject({ type: z.string() }).nullish(),
});
type MessagesRequest = z.infer<typeof messagesRequestSchema>;

const statusErrors: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'Not Found' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: {
    type: 'rate_limit_error',
    message:
      'This request would exceed the rate limit for your organization of 30,000 input tokens per minute. ' +
      'For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for ' +
      'current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function toBase62(value: number, width: number): string {
  let text = '';
  let rest = value;
  for (let index = 0; index < width; index += 1) {
    text = (base62[rest % 62] ?? '0') + text;
    rest = Math.floor(rest / 62);
  }
  return text;
}

function collectText(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + collectText(item), 0);
  if (value === null || typeof value !== 'object') return 0;
  return Object.values(value).reduce<number>((sum, child) => sum + collectText(child), 0);
}

/** Roughly 4 characters per token plus per-message framing: plausible, not Anthropic's tokenizer. */
function estimateInputTokens(request: MessagesRequest): number {
  const characters = collectText(request.messages) + collectText(request.system) + collectText(request.tools);
  return Math.ceil(characters / 4) + 3 * (request.messages?.length ?? 0) + 1;
}

export async function startAnthropicEmulator(options: AnthropicEmulatorOptions = {}): Promise<EmulatorHandle> {
  const fixtures = (options.fixtures ?? loadFixtureStore()).anthropic;
  const apiKey = options.apiKey ?? 'sk-ant-emulator';
  const unknownModel = options.unknownModelPattern ?? defaultUnknownModelPattern;

  const serialize = (recording: JsonRecording<AnthropicMessage>) => ({
    body: Buffer.from(JSON.stringify(recording.body)),
    headers: { ...fixtures.headers, ...recording.headers, 'content-type': 'application/json' },
  });
  const bodies = {
    text: serialize(fixtures.text),
    toolUse: serialize(fixtures.toolUse),
    promptCache: serialize(fixtures.promptCache),
  };
  const streams = {
    text: { script: buildSseScript(fixtures.textStream.events), headers: fixtures.textStream.headers },
    toolUse: { script: buildSseScript(fixtures.toolUseStream.events), headers: fixtures.toolUseStream.headers },
    thinking: { script: buildSseScript(fixtures.thinkingStream.events), headers: fixtures.thinkingStream.headers },
  };

  const requestIdPrefix = `req_011C${toBase62(randomBytes(4).readUInt32BE(0), 6)}`;
  let requestCounter = 0;
  const nextRequestId = () => {
    requestCounter += 1;
    return `${requestIdPrefix}${toBase62(requestCounter, 14)}`;
  };
  const headersFor = (base: Readonly<Record<string, string>>, requestId: string, extra?: Record<string, string>) => ({
    ...base,
    'request-id': requestId,
    ...extra,
  });
  const jsonHeaders = { ...fixtures.headers, 'content-type': 'application/json' };
  const error = (status: number, type: string, message: string, extra?: Record<string, string>): PreparedResponse => {
    const requestId = nextRequestId();
    const body = { type: 'error', error: { type, message }, request_id: requestId };
    return jsonResponse(status, headersFor(jsonHeaders, requestId, extra), body);
  };
  const modelNotFound = (model: string): PreparedResponse => {
    const recorded = fixtures.modelNotFound.body.error;
    const message = recorded.message.replace('claude-does-not-exist', model);
    return error(fixtures.modelNotFound.status, recorded.type, message);
  };

  const authenticate = (request: EmulatorRequest): PreparedResponse | undefined => {
    const header = request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer\s+/i, '');
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) return error(401, 'authentication_error', 'x-api-key header is required');
    if (key !== apiKey) return error(401, 'authentication_error', 'invalid x-api-key');
    if (request.headers['anthropic-version']) return undefined;
    return error(400, 'invalid_request_error', 'anthropic-version: header is required');
  };

  type Parsed =
    | { readonly ok: true; readonly request: MessagesRequest }
    | { readonly ok: false; readonly response: PreparedResponse };
  const parseRequest = (raw: Buffer, required: readonly ('model' | 'messages' | 'max_tokens')[]): Parsed => {
    const fail = (response: PreparedResponse): Parsed => ({ ok: false, response });
    const json = parseRequestJson(raw);
    if (!json.ok) return fail(error(400, 'invalid_request_error', 'There was an error parsing the body of your request.'));
    const parsed = messagesRequestSchema.safeParse(json.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`;
      return fail(error(400, 'invalid_request_error', message));
    }
    const absent = required.find((field) => parsed.data[field] === undefined);
    if (absent) return fail(error(400, 'invalid_request_error', `${absent}: Field required`));
    if (parsed.data.model && unknownModel.test(parsed.data.model)) return fail(modelNotFound(parsed.data.model));
    return { ok: true, request: parsed.data };
  };

  const messages = (raw: Buffer): PreparedResponse => {
    const parsed = parseRequest(raw, ['model', 'max_tokens', 'messages']);
    if (!parsed.ok) return parsed.response;
    const { request } = parsed;
    const hasTools = (request.tools?.length ?? 0) > 0;
    const thinking = (request.thinking?.type ?? 'disabled') !== 'disabled';
    const requestId = nextRequestId();
    if (request.stream) {
      // No streamed prompt-cache recording exists: a cached streaming request gets the plain text stream.
      const stream = hasTools ? streams.toolUse : thinking ? streams.thinking : streams.text;
      return { kind: 'sse', headers: headersFor(stream.headers, requestId), script: stream.script };
    }
    // No non-streamed thinking recording exists: a thinking request without `stream` gets the plain text body.
    const cached = containsKey(request, 'cache_control');
    const prepared = hasTools ? bodies.toolUse : cached ? bodies.promptCache : bodies.text;
    return { kind: 'json', status: 200, headers: headersFor(prepared.headers, requestId), body: prepared.body };
  };

  const countTokens = (raw: Buffer): PreparedResponse => {
    const parsed = parseRequest(raw, ['model', 'messages']);
    if (!parsed.ok) return parsed.response;
    const body = { input_tokens: estimateInputTokens(parsed.request) };
    return jsonResponse(200, headersFor(jsonHeaders, nextRequestId()), body);
  };

  const handle = (request: EmulatorRequest): PreparedResponse => {
    const denied = authenticate(request);
    if (denied) return denied;
    if (request.method === 'POST' && request.path === '/v1/messages') return messages(request.rawBody);
    if (request.method === 'POST' && request.path === '/v1/messages/count_tokens') return countTokens(request.rawBody);
    return error(404, 'not_found_error', 'Not Found');
  };

  return startEmulatorServer({
    ...resolveServerOptions(options),
    basePath: '',
    fault: options.fault ?? null,
    handle,
    renderStatusFault(status, retryAfter) {
      const known = findStatusError(statusErrors, status);
      const extra = retryAfterHeaders(retryAfter);
      if (status === 429) {
        const reset = new Date(Date.now() + (retryAfter ?? 1) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        Object.assign(extra, {
          'anthropic-ratelimit-input-tokens-limit': '30000',
          'anthropic-ratelimit-input-tokens-remaining': '0',
          'anthropic-ratelimit-input-tokens-reset': reset,
        });
      }
      return error(status, known?.type ?? 'api_error', known?.message ?? 'Internal server error', extra);
    },
    renderInvalidFault(message) {
      return error(400, 'invalid_request_error', message);
    },
  });
}
