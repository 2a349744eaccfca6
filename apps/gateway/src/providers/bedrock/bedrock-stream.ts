import type { FinishReason } from '@arbiter/shared';
import { readEventStreamMessages, readStringHeader, type EventStreamMessage } from '../shared/aws-event-stream.js';
import { createChunkPart, currentTimestamp, type ChunkDelta, type ChunkIdentity } from '../shared/create-chat-chunk.js';
import type { UpstreamResponse } from '../shared/http-client.js';
import { parseStreamEvent } from '../shared/parse-stream-event.js';
import type { ChatStreamPart } from '../shared/provider-adapter.js';
import { ToolUseBlockStream } from '../shared/tool-use-blocks.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { bedrockStreamEventSchemas, type BedrockStreamEvent, type BedrockStreamEventType } from './bedrock-api.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { createBedrockStreamError } from './map-bedrock-error.js';
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.js';

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
    const event = parseMessage(provider, message, response.status);
    if (event !== null) yield* converter.convert(event);
  }
  converter.finish(provider, response.status);
}

/** The state of one streamed message: event in, stream parts out. */
export class BedrockStreamConverter {
  private finished = false;
  private readonly toolUse: ToolUseBlockStream;
  private readonly identity: ChunkIdentity;

  constructor(options: BedrockStreamOptions) {
    this.identity = { id: options.id, created: options.now ?? currentTimestamp(), model: options.model };
    this.toolUse = new ToolUseBlockStream(options.responseToolName, (delta) => this.chunk(delta));
  }

  convert(event: BedrockStreamEvent): ChatStreamPart[] {
    switch (event.type) {
      case 'messageStart':
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'contentBlockStart': {
        const toolUse = event.payload.start.toolUse;
        return toolUse === undefined ? [] : this.toolUse.start(event.payload.contentBlockIndex, toolUse.toolUseId, toolUse.name);
      }
      case 'contentBlockDelta': {
        const { contentBlockIndex: index, delta } = event.payload;
        const parts: ChatStreamPart[] = [];
        if (delta.text !== undefined) parts.push(...this.toolUse.text(delta.text));
        if (delta.toolUse !== undefined) parts.push(...this.toolUse.appendArguments(index, delta.toolUse.input));
        // The reasoning signature and redacted reasoning have no place in the OpenAI format.
        const reasoning = delta.reasoningContent?.text;
        if (reasoning !== undefined && reasoning !== '') parts.push(this.chunk({ reasoning_content: reasoning }));
        return parts;
      }
      case 'contentBlockStop':
        return this.toolUse.stop(event.payload.contentBlockIndex);
      case 'messageStop': {
        const finishReason = this.toolUse.resolveFinishReason(event.payload.stopReason, mapBedrockFinishReason);
        return finishReason === null ? [] : [this.chunk({}, finishReason)];
      }
      case 'metadata':
        this.finished = true;
        return [{ type: 'usage', usage: convertBedrockUsage(event.payload.usage) }];
    }
  }

  /** Throws when the stream ended before the metadata event (which carries the usage). */
  finish(provider: string, status: number): void {
    if (this.finished) return;
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: status,
      message: 'the stream ended before the metadata event (which carries the usage)',
    });
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatStreamPart {
    return createChunkPart(this.identity, delta, finishReason);
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
export function parseMessage(provider: string, message: EventStreamMessage, status: number): BedrockStreamEvent | null {
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
  const payload = parseStreamEvent(provider, text, bedrockStreamEventSchemas[type], status, `${type} event`);
  return { type, payload } as BedrockStreamEvent;
}
