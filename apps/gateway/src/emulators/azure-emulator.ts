import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { loadAzureFixtures, type AzureFixtures, type AzureRecordedCompletion } from './azure-emulator-fixtures.js';
import {
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
import { loadFixtureStore } from './fixture-store.js';
import { buildStreamScripts, errorBody } from './openai-emulator.js';

/**
 * Wire-level emulator of an Azure OpenAI resource (`/openai/deployments/{deployment}/chat/completions` and
 * `/embeddings`, `?api-version=` required, `api-key` or Entra ID bearer auth) answering with the recorded real
 * responses: the non-streaming body of test_azure_provider_call.yaml (any chat deployment) and the model-router stream.
 * Azure's content filter can be triggered: `prompt` answers the 400 `content_filter` rejection, `completion` stops
 * the choice with `finish_reason: content_filter`. Embeddings reuse OpenAI's recorded body (no Azure recording exists).
 * Error bodies other than the 400/401/404 quoted from real responses are hand-written.
 */

export type AzureContentFilterMode = 'prompt' | 'completion';

/** A prompt containing this string is rejected by the emulated content filter (400 `content_filter`). */
export const azurePromptFilterMarker = '[azure-emulator:filter-prompt]';
/** A prompt containing this string gets a completion stopped by the content filter. */
export const azureCompletionFilterMarker = '[azure-emulator:filter-completion]';
/** Per-request switch, `prompt` or `completion`; wins over markers and the emulator-wide mode. */
export const contentFilterHeaderName = 'x-emulator-content-filter';

export interface AzureEmulatorOptions extends EmulatorOptions {
  /** The accepted `api-key`. Default `azure-emulator-key`. */
  readonly apiKey?: string;
  /** The accepted Entra ID token (`Authorization: Bearer …`). Default `azure-emulator-token`. */
  readonly adToken?: string;
  /** Deployment names that exist. Default `gpt-4o`, `model-router`, `text-embedding-3-small`. */
  readonly deployments?: readonly string[];
  /**
   * Chat parameters answered with Azure's 400 `Unrecognized request argument supplied`, as older API and model
   * versions do. `max_completion_tokens` and `stream_options` are always rejected under api-versions before 2024-09-01.
   */
  readonly unrecognizedParameters?: readonly string[];
  /** Content-filter verdict for every request (same as calling `setContentFilter`). */
  readonly contentFilter?: AzureContentFilterMode | null;
  readonly fixtures?: AzureFixtures;
}

export interface AzureEmulatorHandle extends EmulatorHandle {
  setContentFilter(mode: AzureContentFilterMode | null): void;
}

const chatRequestSchema = z.looseObject({
  messages: z.array(z.unknown()).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
});
const embeddingRequestSchema = z.looseObject({ input: z.union([z.string(), z.array(z.unknown())]) });
const modeSchema = z.enum(['prompt', 'completion']);
const choiceVerdictSchema = z.looseObject({
  choices: z.array(z.looseObject({ content_filter_results: z.record(z.string(), z.unknown()) })).length(1),
});
const finishChunkSchema = z.looseObject({
  choices: z.array(z.looseObject({ finish_reason: z.literal('stop'), content_filter_results: z.unknown() })).length(1),
});

/** Azure's own error envelope (`{error: {code, message}}`); OpenAI-protocol errors use OpenAI's. */
const azureErrorBody = (code: string, message: string) => ({ error: { code, message } });

// Quoted from real responses (public issue threads; no recordings exist).
const bodies = {
  resourceNotFound: azureErrorBody('404', 'Resource not found'),
  accessDenied: azureErrorBody(
    '401',
    'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an ' +
      'active subscription and use a correct regional API endpoint for your resource.',
  ),
  invalidToken: {
    statusCode: 401,
    message:
      'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), ' +
      'or have expired.',
  },
  deploymentNotFound: azureErrorBody(
    'DeploymentNotFound',
    'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, ' +
      'please wait a moment and try again.',
  ),
  promptFiltered: {
    error: {
      message:
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please " +
        'modify your prompt and retry. To learn more about our content filtering policies please read our ' +
        'documentation: https://go.microsoft.com/fwlink/?linkid=2198766',
      type: null,
      param: 'prompt',
      code: 'content_filter',
      status: 400,
      innererror: {
        code: 'ResponsibleAIPolicyViolation',
        content_filter_result: {
          hate: { filtered: false, severity: 'safe' },
          jailbreak: { filtered: false, detected: false },
          self_harm: { filtered: false, severity: 'safe' },
          sexual: { filtered: false, severity: 'safe' },
          violence: { filtered: true, severity: 'medium' },
        },
      },
    },
  },
  unrecognized: (names: readonly string[]) =>
    errorBody(`Unrecognized request argument supplied: ${names.join(', ')}`, 'invalid_request_error'),
  rateLimit: (apiVersion: string, wait: number) =>
    azureErrorBody(
      '429',
      `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${apiVersion} have exceeded ` +
        `token rate limit of your current OpenAI S0 pricing tier. Please retry after ${wait} seconds. Please go here: ` +
        'https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.',
    ),
};

/** What the filter reports on a choice it stopped: the recorded verdicts with violence raised to `medium`. */
const filteredVerdict = (recorded: unknown): Record<string, unknown> => ({
  ...z.record(z.string(), z.unknown()).parse(recorded),
  violence: { filtered: true, severity: 'medium' },
});

/** A completion the output filter stopped: Azure sends the message without `content`. */
function buildFilteredCompletion(recorded: AzureRecordedCompletion): Record<string, unknown> {
  const choices = recorded.choices.map(({ message, ...choice }) => ({
    ...choice,
    finish_reason: 'content_filter',
    message: { role: message.role },
    content_filter_results: filteredVerdict(choice.content_filter_results),
  }));
  return { ...recorded, choices };
}

/**
 * The recorded stream cut after two words (prompt-filter event, role chunk, two content chunks), ending with a finish
 * chunk that the output filter stopped, carrying the last content chunk's verdicts with violence raised.
 */
function buildFilteredStreamEvents(events: readonly string[]): string[] {
  const kept = events.slice(0, 4);
  const lastKept = kept.at(-1);
  const finish = events.at(-1);
  if (lastKept === undefined || finish === undefined) throw new Error('the Azure stream recording is too short');
  const verdict = choiceVerdictSchema.parse(JSON.parse(lastKept)).choices[0]?.content_filter_results;
  const chunk = finishChunkSchema.parse(JSON.parse(finish));
  const choices = chunk.choices.map((choice) => ({
    ...choice,
    finish_reason: 'content_filter',
    content_filter_results: filteredVerdict(verdict),
  }));
  return [...kept, JSON.stringify({ ...chunk, choices })];
}

export async function startAzureEmulator(options: AzureEmulatorOptions = {}): Promise<AzureEmulatorHandle> {
  const fixtures = options.fixtures ?? loadAzureFixtures();
  const apiKey = options.apiKey ?? 'azure-emulator-key';
  const adToken = options.adToken ?? 'azure-emulator-token';
  const deployments = new Set(options.deployments ?? ['gpt-4o', 'model-router', 'text-embedding-3-small']);
  const serverOptions = resolveServerOptions(options);
  let contentFilter = options.contentFilter ?? null;

  const completionBody = Buffer.from(JSON.stringify(fixtures.completion.body));
  const filteredCompletionBody = Buffer.from(JSON.stringify(buildFilteredCompletion(fixtures.completion.body)));
  const { events, usageChunk } = fixtures.stream;
  const streamScripts = buildStreamScripts(events, usageChunk);
  const filteredStreamScripts = buildStreamScripts(buildFilteredStreamEvents(events), usageChunk);
  const embedding = loadFixtureStore().openai.embedding.body;

  const jsonHeaders = { ...fixtures.completion.headers, 'content-type': 'application/json' };
  const streamHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
  const withRequestId = (headers: Readonly<Record<string, string>>, extra?: Record<string, string>) => ({
    ...headers,
    'apim-request-id': randomUUID(),
    ...extra,
  });
  const ok = (body: Buffer): PreparedResponse => ({ kind: 'json', status: 200, headers: withRequestId(jsonHeaders), body });
  const error = (status: number, body: unknown, extra?: Record<string, string>): PreparedResponse =>
    jsonResponse(status, withRequestId({ 'content-type': 'application/json' }, extra), body);

  const authenticate = (request: EmulatorRequest): PreparedResponse | undefined => {
    const key = request.headers['api-key'];
    if (key !== undefined) return key === apiKey ? undefined : error(401, bodies.accessDenied);
    const authorization = request.headers.authorization;
    if (authorization === undefined) return error(401, bodies.accessDenied);
    return authorization === `Bearer ${adToken}` ? undefined : error(401, bodies.invalidToken);
  };

  const resolveContentFilter = (request: EmulatorRequest): AzureContentFilterMode | null => {
    const header = modeSchema.safeParse(request.headers[contentFilterHeaderName]);
    if (header.success) return header.data;
    const text = request.rawBody.toString('utf8');
    if (text.includes(azurePromptFilterMarker)) return 'prompt';
    if (text.includes(azureCompletionFilterMarker)) return 'completion';
    return contentFilter;
  };

  const unrecognizedParameters = (apiVersion: string): readonly string[] =>
    /^\d{4}-\d{2}-\d{2}/.test(apiVersion) && apiVersion < '2024-09-01'
      ? [...(options.unrecognizedParameters ?? []), 'max_completion_tokens', 'stream_options']
      : (options.unrecognizedParameters ?? []);

  const chatCompletion = (request: EmulatorRequest, apiVersion: string): PreparedResponse => {
    const json = parseRequestJson(request.rawBody);
    if (!json.ok) return error(400, errorBody('The request body is not valid JSON.', 'invalid_request_error'));
    const parsed = chatRequestSchema.safeParse(json.value);
    if (!parsed.success) return error(400, errorBody("'messages' is a required property", 'invalid_request_error'));
    const unrecognized = unrecognizedParameters(apiVersion).filter((name) => name in parsed.data);
    if (unrecognized.length > 0) return error(400, bodies.unrecognized(unrecognized));
    const filter = resolveContentFilter(request);
    if (filter === 'prompt') return error(400, bodies.promptFiltered);
    if (parsed.data.stream) {
      const scripts = filter === 'completion' ? filteredStreamScripts : streamScripts;
      const script = parsed.data.stream_options?.include_usage ? scripts.withUsage : scripts.withoutUsage;
      return { kind: 'sse', headers: withRequestId(streamHeaders), script };
    }
    return ok(filter === 'completion' ? filteredCompletionBody : completionBody);
  };

  const embeddings = (request: EmulatorRequest): PreparedResponse => {
    const json = parseRequestJson(request.rawBody);
    const parsed = json.ok ? embeddingRequestSchema.safeParse(json.value) : null;
    if (!parsed?.success) return error(400, errorBody("'input' is a required property", 'invalid_request_error'));
    const count = typeof parsed.data.input === 'string' ? 1 : Math.max(1, parsed.data.input.length);
    const data = Array.from({ length: count }, (_, index) => ({
      object: 'embedding',
      index,
      embedding: embedding.data[index % embedding.data.length]?.embedding ?? [],
    }));
    return ok(Buffer.from(JSON.stringify({ object: 'list', data, model: embedding.model, usage: embedding.usage })));
  };

  const handle = (request: EmulatorRequest): PreparedResponse => {
    const route = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(request.path);
    const apiVersion = new URLSearchParams(queryOf(request)).get('api-version');
    if (request.method !== 'POST' || !route?.[1] || !apiVersion) return error(404, bodies.resourceNotFound);
    const denied = authenticate(request);
    if (denied) return denied;
    if (!deployments.has(decodeURIComponent(route[1]))) return error(404, bodies.deploymentNotFound);
    return route[2] === 'embeddings' ? embeddings(request) : chatCompletion(request, apiVersion);
  };

  /**
   * The shared server hands `handle` no query string, but records the request (with the same headers object) just
   * before; that record is found by identity and, when recording is off, removed again.
   */
  const queryOf = (request: EmulatorRequest): string => {
    const requests = server.requests;
    for (let index = requests.length - 1; index >= 0; index -= 1) {
      const entry = requests[index];
      if (entry?.headers !== request.headers) continue;
      if (!serverOptions.record) requests.splice(index, 1);
      return entry.query;
    }
    return '';
  };

  const server: EmulatorHandle = await startEmulatorServer({
    ...serverOptions,
    basePath: '',
    record: true,
    fault: options.fault ?? null,
    handle,
    renderStatusFault(status, retryAfter) {
      const retryHeaders = retryAfter === undefined ? {} : { ...retryAfterHeaders(retryAfter), 'retry-after-ms': String(retryAfter * 1000) };
      if (status === 429) return error(429, bodies.rateLimit('2024-10-21', retryAfter ?? 1), retryHeaders);
      if (status === 401) return error(401, bodies.accessDenied, retryHeaders);
      if (status === 404) return error(404, bodies.deploymentNotFound, retryHeaders);
      if (status < 500) return error(status, errorBody('Invalid request.', 'invalid_request_error'), retryHeaders);
      const message = 'The server had an error while processing your request. Sorry about that!';
      return error(status, errorBody(message, 'server_error'), retryHeaders);
    },
    renderInvalidFault(message) {
      return error(400, errorBody(message, 'invalid_request_error'));
    },
  });

  return {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    get requests() {
      return server.requests;
    },
    setFault: (fault) => server.setFault(fault),
    setContentFilter(mode) {
      contentFilter = mode === null ? null : modeSchema.parse(mode);
    },
    close: () => server.close(),
  };
}
