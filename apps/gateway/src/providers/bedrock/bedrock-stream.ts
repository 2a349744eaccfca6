import type { ChatCompletionChunk, FinishReason } from '@arbiter/shared';
import type { UpstreamResponse } from '../shared/http-client.js';
import type { ChatStreamPart } from '../shared/provider-adapter.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { bedrockStreamEventSchemas, type BedrockStreamEvent, type BedrockStreamEventType } from './bedrock-api.js';
import { readEventStreamMessages, readStringHeader, type EventStreamMessage } from './bedrock-event-stream.js';
import { resolveFinishReason } from './convert-bedrock-response.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { createBedrockStreamError } from './map-bedrock-error.js';

export interface BedrockStreamOptions {
  /** The chunk id (ConverseStream carries none; the adapter derives it from the AWS request id). */
  id: string;
  /** The model id that was called. */
  model: string;
  /** The forced answer tool of `json_schema` mode: its input is streamed as content. */
  responseToolName: string | null;
  /** Seconds since the epoch, for `created`. */
  now?: number;
}

type Delta = ChatCompletionChunk['choices'][number]['delta'];

/** A toolUse block being streamed: a client tool call (with its OpenAI index) or the json_schema answer. */
type ToolBlock = { kind: 'tool'; index: number; argumentsSent: boolean } | { kind: 'answer'; argumentsSent: boolean };

/**
 * Turns a ConverseStream (AWS event-stream frames) into OpenAI chunks plus one usage part at the `metadata` event,
 * which Bedrock sends last. An `exception` frame ends the stream with an UpstreamError; so do a corrupted frame and a
 * stream that ends before `metadata` (`upstream_invalid_response`).
 */
export async function* transformBedrockStream(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
  options: BedrockStreamOptions,
): AsyncGenerator<ChatStreamPart> {
  const converter = new BedrockStreamConverter(options);
  for await (const message of readEventStreamMessages(provider, response, signal)) {
    const event = parseMessage(provider, message);
    if (event !== null) yield* converter.convert(event);
  }
  if (!converter.finished) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: response.status,
      message: 'the stream ended before the metadata event (which carries the usage)',
    });
  }
}

/** The state of one streamed message: event in, stream parts out. */
export class BedrockStreamConverter {
  finished = false;
  private readonly toolBlocks = new Map<number, ToolBlock>();
  private toolCount = 0;
  private answered = false;
  private readonly created: number;

  constructor(private readonly options: BedrockStreamOptions) {
    this.created = options.now ?? Math.floor(Date.now() / 1000);
  }

  convert(event: BedrockStreamEvent): ChatStreamPart[] {
    switch (event.type) {
      case 'messageStart':
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'contentBlockStart': {
        const toolUse = event.payload.start.toolUse;
        return toolUse === undefined ? [] : this.startToolBlock(event.payload.contentBlockIndex, toolUse);
      }
      case 'contentBlockDelta': {
        const { contentBlockIndex: index, delta } = event.payload;
        const parts: ChatStreamPart[] = [];
        if (delta.text !== undefined) parts.push(...this.text(delta.text));
        if (delta.toolUse !== undefined) parts.push(...this.toolArguments(index, delta.toolUse.input));
        // The reasoning signature and redacted reasoning have no place in the OpenAI format.
        const reasoning = delta.reasoningContent?.text;
        if (reasoning !== undefined && reasoning !== '') parts.push(this.chunk({ reasoning_content: reasoning }));
        return parts;
      }
      case 'contentBlockStop':
        return this.stopBlock(event.payload.contentBlockIndex);
      case 'messageStop': {
        const finishReason = resolveFinishReason(event.payload.stopReason, this.answered, this.toolCount > 0);
        return finishReason === null ? [] : [this.chunk({}, finishReason)];
      }
      case 'metadata':
        this.finished = true;
        return [{ type: 'usage', usage: convertBedrockUsage(event.payload.usage) }];
    }
  }

  private startToolBlock(index: number, toolUse: { toolUseId: string; name: string }): ChatStreamPart[] {
    if (toolUse.name === this.options.responseToolName && !this.answered) {
      this.answered = true;
      this.toolBlocks.set(index, { kind: 'answer', argumentsSent: false });
      return [];
    }
    this.toolBlocks.set(index, { kind: 'tool', index: this.toolCount, argumentsSent: false });
    const call = { index: this.toolCount++, id: toolUse.toolUseId, type: 'function' as const, function: { name: toolUse.name, arguments: '' } };
    return [this.chunk({ tool_calls: [call] })];
  }

  /** A tool call without arguments must still end with valid JSON, as in the non-streamed response. */
  private stopBlock(index: number): ChatStreamPart[] {
    const block = this.toolBlocks.get(index);
    this.toolBlocks.delete(index);
    return block !== undefined && !block.argumentsSent ? this.toolArguments(index, '{}', block) : [];
  }

  private toolArguments(index: number, fragment: string, block = this.toolBlocks.get(index)): ChatStreamPart[] {
    if (block === undefined || fragment === '') return [];
    block.argumentsSent = true;
    if (block.kind === 'answer') return [this.chunk({ content: fragment })];
    return [this.chunk({ tool_calls: [{ index: block.index, function: { arguments: fragment } }] })];
  }

  /** In json_schema mode the content is the answer tool's JSON; text around it would make it unparseable. */
  private text(text: string): ChatStreamPart[] {
    if (text === '' || this.options.responseToolName !== null) return [];
    return [this.chunk({ content: text })];
  }

  private chunk(delta: Delta, finishReason: FinishReason | null = null): ChatStreamPart {
    const chunk: ChatCompletionChunk = {
      id: this.options.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.options.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
    return { type: 'chunk', chunk };
  }
}

const eventTypes = new Set<string>(Object.keys(bedrockStreamEventSchemas));

function isEventType(type: string): type is BedrockStreamEventType {
  return eventTypes.has(type);
}

/**
 * One frame → a typed event; null for event types we do not know (AWS may add some). `exception` and `error`
 * frames throw: they end the stream.
 */
export function parseMessage(provider: string, message: EventStreamMessage): BedrockStreamEvent | null {
  const messageType = readStringHeader(message, ':message-type');
  if (messageType === 'exception') {
    throw createBedrockStreamError(provider, readStringHeader(message, ':exception-type'), message.body);
  }
  if (messageType === 'error') {
    const code = readStringHeader(message, ':error-code');
    throw new UpstreamError('upstream_error', {
      provider,
      upstreamStatus: 500,
      message: readStringHeader(message, ':error-message') ?? code ?? 'an error frame in the event stream',
      upstreamCode: code,
    });
  }
  const type = readStringHeader(message, ':event-type');
  if (type === null || !isEventType(type)) return null;
  const text = Buffer.from(message.body).toString('utf8');
  const invalid = (detail: string, cause?: unknown) =>
    new UpstreamError('upstream_invalid_response', { provider, upstreamStatus: 200, message: `a ${type} event ${detail}`, cause });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`is not JSON (${text.slice(0, 120)})`, error);
  }
  const result = bedrockStreamEventSchemas[type].safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalid(`has an unexpected shape at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`, result.error);
  }
  return { type, payload: result.data } as BedrockStreamEvent;
}
