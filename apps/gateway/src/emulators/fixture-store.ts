import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Loads the recorded real provider responses in `apps/gateway/fixtures/providers/` (see its README.md for the file
 * formats) and exposes them as typed scenarios for the wire emulators. Payload text of streamed events is kept exactly
 * as recorded (incl. Anthropic's whitespace padding and OpenAI's `obfuscation` field), so emulated streams are the
 * recorded bytes in the real framing.
 */

// Resolves from both `src/emulators` and `dist/emulators`.
export const defaultFixtureDirectory = new URL('../../fixtures/providers/', import.meta.url);

export const openAIUsageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number() }).nullish(),
});
export type OpenAIUsage = z.infer<typeof openAIUsageSchema>;

const openAIChatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      finish_reason: z.string().nullable(),
      message: z.looseObject({ role: z.string(), content: z.string().nullable() }),
    }),
  ),
  usage: openAIUsageSchema,
});
export type OpenAIChatCompletion = z.infer<typeof openAIChatCompletionSchema>;

const openAIChunkSchema = z.looseObject({
  object: z.literal('chat.completion.chunk'),
  model: z.string(),
  choices: z.array(z.looseObject({ delta: z.looseObject({ content: z.string().nullish() }) })),
  usage: openAIUsageSchema.nullish(),
});

const openAIEmbeddingListSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(z.looseObject({ object: z.literal('embedding'), index: z.number(), embedding: z.array(z.number()) })),
  model: z.string(),
  usage: z.looseObject({ prompt_tokens: z.number(), total_tokens: z.number() }),
});
export type OpenAIEmbeddingList = z.infer<typeof openAIEmbeddingListSchema>;

const openAIErrorSchema = z.object({
  error: z.looseObject({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
export type OpenAIErrorBody = z.infer<typeof openAIErrorSchema>;

const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  model: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
  stop_reason: z.string().nullable(),
  usage: anthropicUsageSchema,
});
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

const anthropicEventSchema = z.looseObject({ type: z.string() });

const anthropicErrorSchema = z.object({
  type: z.literal('error'),
  error: z.object({ type: z.string(), message: z.string() }),
  request_id: z.string().optional(),
});
export type AnthropicErrorBody = z.infer<typeof anthropicErrorSchema>;

const cassetteSchema = z.object({
  interactions: z.array(
    z.object({
      request: z.looseObject({ method: z.string(), uri: z.string(), parsed_body: z.unknown().optional() }),
      response: z.object({
        status: z.object({ code: z.number() }),
        headers: z.record(z.string(), z.array(z.string())).optional(),
        body: z.object({ string: z.string() }).optional(),
        parsed_body: z.unknown().optional(),
      }),
    }),
  ),
});
type CassetteInteraction = z.infer<typeof cassetteSchema>['interactions'][number];

const nockRecordingSchema = z.array(
  z.looseObject({ status: z.number(), rawHeaders: z.record(z.string(), z.string()) }),
);

/** One server-sent event as it travels on the wire; `data` is the exact payload text after `data: `. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** A recorded response body (validated), its status and where it was recorded (`path#turn`). */
export interface RecordedBody<Body> {
  readonly source: string;
  readonly status: number;
  readonly body: Body;
}

/** A recorded JSON response with the response headers that were recorded with it. */
export interface JsonRecording<Body> extends RecordedBody<Body> {
  readonly headers: Readonly<Record<string, string>>;
}

export interface OpenAIStreamRecording {
  readonly source: string;
  /** Every `chat.completion.chunk` payload except the trailing usage chunk, in order (without `[DONE]`). */
  readonly chunks: readonly string[];
  /** The `choices: []` + usage chunk the API sends only with `stream_options.include_usage: true`. */
  readonly usageChunk: string;
  readonly usage: OpenAIUsage;
  /** The upstream snapshot name the chunks carry. */
  readonly model: string;
  /** Concatenated `delta.content` of all chunks: the text a client should reassemble. */
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface AnthropicStreamRecording {
  readonly source: string;
  readonly events: readonly SseEvent[];
  /** Concatenated `text_delta` text. */
  readonly text: string;
  /** Usage as the SDK accumulates it: `message_start` usage overlaid with the final `message_delta` usage. */
  readonly usage: AnthropicUsage;
  readonly headers: Readonly<Record<string, string>>;
}

export interface FixtureStore {
  readonly openai: {
    readonly chatText: JsonRecording<OpenAIChatCompletion>;
    readonly chatToolCall: JsonRecording<OpenAIChatCompletion>;
    readonly chatTextStream: OpenAIStreamRecording;
    readonly chatToolCallStream: OpenAIStreamRecording;
    readonly embedding: JsonRecording<OpenAIEmbeddingList>;
    readonly modelNotFound: JsonRecording<OpenAIErrorBody>;
    /** Real response headers of a plain chat completion (test_valid_response.yaml). */
    readonly headers: Readonly<Record<string, string>>;
  };
  readonly anthropic: {
    readonly text: JsonRecording<AnthropicMessage>;
    readonly toolUse: JsonRecording<AnthropicMessage>;
    readonly promptCache: JsonRecording<AnthropicMessage>;
    readonly textStream: AnthropicStreamRecording;
    readonly toolUseStream: AnthropicStreamRecording;
    readonly thinkingStream: AnthropicStreamRecording;
    readonly modelNotFound: JsonRecording<AnthropicErrorBody>;
    /** Real response headers of a messages call (ToolRunner.json). */
    readonly headers: Readonly<Record<string, string>>;
  };
}

// Transport headers that the emulator's own HTTP stack sets (or that vcrpy recorded alongside re-encoded bodies).
const transportHeaders = new Set(['connection', 'content-length', 'transfer-encoding', 'date', 'content-encoding']);

type RecordedHeaders = Readonly<Record<string, string | readonly string[]>>;

/** Recorded response headers without the transport headers the emulator's own HTTP stack sets; names lowercased. */
export function cleanHeaders(headers: RecordedHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const key = name.toLowerCase();
    if (transportHeaders.has(key)) continue;
    result[key] = typeof value === 'string' ? value : value.join(', ');
  }
  return result;
}

/** Splits raw SSE wire text into events, keeping each data payload byte-exact. */
export function parseSseText(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).replace(/^ /, '');
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) continue;
    events.push(event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') });
  }
  return events;
}

/** Reads fixture files below `directory`: text, JSON, and one interaction (`turn`) of a vcrpy cassette. */
export function createFixtureReader(directory: URL) {
  const readText = (path: string): string => readFileSync(new URL(path, directory), 'utf8');
  const readJson = (path: string): unknown => JSON.parse(readText(path));
  const readCassette = (path: string, turn: number): CassetteInteraction => {
    const interaction = cassetteSchema.parse(parseYaml(readText(path))).interactions[turn];
    if (!interaction) throw new Error(`Fixture ${path} has no interaction ${turn}`);
    return interaction;
  };
  return { readText, readJson, readCassette };
}

function buildOpenAIStream(
  source: string,
  payloads: readonly string[],
  headers: Record<string, string>,
): OpenAIStreamRecording {
  const chunks = payloads.filter((payload) => payload !== '[DONE]');
  const usageChunk = chunks.at(-1);
  const last = usageChunk === undefined ? undefined : openAIChunkSchema.parse(JSON.parse(usageChunk));
  if (usageChunk === undefined || !last?.usage) throw new Error(`Fixture ${source} does not end with a usage chunk`);
  const body = chunks.slice(0, -1);
  const text = body
    .flatMap((payload) => openAIChunkSchema.parse(JSON.parse(payload)).choices)
    .map((choice) => choice.delta.content ?? '')
    .join('');
  return { source, chunks: body, usageChunk, usage: last.usage, model: last.model, text, headers };
}

const textDeltaSchema = z.object({ delta: z.looseObject({ type: z.string(), text: z.string().optional() }) });

function buildAnthropicStream(
  source: string,
  events: readonly SseEvent[],
  headers: Record<string, string>,
): AnthropicStreamRecording {
  let text = '';
  let usage: AnthropicUsage | undefined;
  for (const { data } of events) {
    const payload: unknown = JSON.parse(data);
    const { type } = anthropicEventSchema.parse(payload);
    if (type === 'message_start') {
      usage = z.object({ message: anthropicMessageSchema }).parse(payload).message.usage;
    } else if (type === 'message_delta') {
      const delta = z.object({ usage: anthropicUsageSchema.partial() }).parse(payload).usage;
      if (!usage) throw new Error(`Fixture ${source} has message_delta before message_start`);
      usage = { ...usage, ...Object.fromEntries(Object.entries(delta).filter(([, value]) => value != null)) };
    } else if (type === 'content_block_delta') {
      const { delta } = textDeltaSchema.parse(payload);
      if (delta.type === 'text_delta') text += delta.text ?? '';
    }
  }
  if (!usage) throw new Error(`Fixture ${source} has no message_start`);
  return { source, events, text, usage, headers };
}

function loadOpenAI(directory: URL): FixtureStore['openai'] {
  const { readText, readJson, readCassette } = createFixtureReader(directory);
  const plain = readCassette('openai/test_valid_response.yaml', 0);
  const headers = cleanHeaders(plain.response.headers);
  const toolTurn = readCassette('openai/test_openai_tool_output.yaml', 0);
  const streamTurn = readCassette('openai/test_run_stream_sync_streams_real_model.yaml', 0);
  const notFound = readCassette('openai/TestOpenAI.test_embed_error.yaml', 0);
  const streamHeaders = cleanHeaders(streamTurn.response.headers);
  return {
    headers,
    chatText: {
      source: 'openai/openai-text.json',
      status: 200,
      body: openAIChatCompletionSchema.parse(readJson('openai/openai-text.json')),
      headers,
    },
    chatToolCall: {
      source: 'openai/test_openai_tool_output.yaml#0',
      status: toolTurn.response.status.code,
      body: openAIChatCompletionSchema.parse(toolTurn.response.parsed_body),
      headers: cleanHeaders(toolTurn.response.headers),
    },
    chatTextStream: buildOpenAIStream(
      'openai/openai-text.chunks.txt',
      readText('openai/openai-text.chunks.txt').split('\n').filter((line) => line.trim() !== ''),
      streamHeaders,
    ),
    chatToolCallStream: buildOpenAIStream(
      'openai/test_run_stream_sync_streams_real_model.yaml#0',
      parseSseText(streamTurn.response.body?.string ?? '').map((event) => event.data),
      streamHeaders,
    ),
    embedding: {
      source: 'openai/openai-embedding.json',
      status: 200,
      body: openAIEmbeddingListSchema.parse(readJson('openai/openai-embedding.json')),
      headers,
    },
    modelNotFound: {
      source: 'openai/TestOpenAI.test_embed_error.yaml#0',
      status: notFound.response.status.code,
      body: openAIErrorSchema.parse(notFound.response.parsed_body),
      headers: cleanHeaders(notFound.response.headers),
    },
  };
}

function loadAnthropic(directory: URL): FixtureStore['anthropic'] {
  const { readText, readJson, readCassette } = createFixtureReader(directory);
  const toolRunner = nockRecordingSchema.parse(readJson('anthropic/ToolRunner.json'))[0];
  if (!toolRunner) throw new Error('Fixture anthropic/ToolRunner.json is empty');
  const headers = cleanHeaders(toolRunner.rawHeaders);
  const streamHeaders = { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
  const cacheTurn = readCassette('anthropic/test_anthropic_cache_real_api.yaml', 1);
  const thinkingTurn = readCassette('anthropic/test_anthropic_model_thinking_part_stream.yaml', 0);
  const notFound = readCassette('anthropic/test_anthropic_count_tokens_error.yaml', 0);
  const textEvents = readText('anthropic/anthropic-text.chunks.txt')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((data) => ({ event: anthropicEventSchema.parse(JSON.parse(data)).type, data }));
  return {
    headers,
    text: {
      source: 'anthropic/anthropic-text.json',
      status: 200,
      body: anthropicMessageSchema.parse(readJson('anthropic/anthropic-text.json')),
      headers,
    },
    toolUse: {
      source: 'anthropic/anthropic-tool-no-args.json',
      status: 200,
      body: anthropicMessageSchema.parse(readJson('anthropic/anthropic-tool-no-args.json')),
      headers,
    },
    promptCache: {
      source: 'anthropic/test_anthropic_cache_real_api.yaml#1',
      status: cacheTurn.response.status.code,
      body: anthropicMessageSchema.parse(cacheTurn.response.parsed_body),
      headers: { ...headers, ...cleanHeaders(cacheTurn.response.headers) },
    },
    textStream: buildAnthropicStream('anthropic/anthropic-text.chunks.txt', textEvents, streamHeaders),
    toolUseStream: buildAnthropicStream(
      'anthropic/tool_use_response.txt',
      parseSseText(readText('anthropic/tool_use_response.txt')),
      streamHeaders,
    ),
    thinkingStream: buildAnthropicStream(
      'anthropic/test_anthropic_model_thinking_part_stream.yaml#0',
      parseSseText(thinkingTurn.response.body?.string ?? ''),
      { ...streamHeaders, ...cleanHeaders(thinkingTurn.response.headers) },
    ),
    modelNotFound: {
      source: 'anthropic/test_anthropic_count_tokens_error.yaml#0',
      status: notFound.response.status.code,
      body: anthropicErrorSchema.parse(notFound.response.parsed_body),
      headers: cleanHeaders(notFound.response.headers),
    },
  };
}

/**
 * A loader that reads and validates its fixtures once per directory: every emulator start (tests start many) reuses
 * them. Throws if a recording is missing or changed shape.
 */
export function cachePerDirectory<Fixtures>(load: (directory: URL) => Fixtures): (directory?: URL) => Fixtures {
  const cache = new Map<string, Fixtures>();
  return (directory = defaultFixtureDirectory) => {
    const cached = cache.get(directory.href);
    if (cached !== undefined) return cached;
    const fixtures = load(directory);
    cache.set(directory.href, fixtures);
    return fixtures;
  };
}

/** Loads (once per directory) and validates every fixture the emulators serve. Throws if a recording is missing. */
export const loadFixtureStore = cachePerDirectory((directory): FixtureStore => ({
  openai: loadOpenAI(directory),
  anthropic: loadAnthropic(directory),
}));
