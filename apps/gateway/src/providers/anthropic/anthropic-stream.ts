import type { FinishReason, NormalizedUsage } from '@arbiter/shared';
import { createChunkPart, currentTimestamp, type ChunkDelta } from '../shared/create-chat-chunk.js';
import type { UpstreamResponse } from '../shared/http-client.js';
import type { ChatStreamPart } from '../shared/provider-adapter.js';
import { parseStreamEvent } from '../shared/parse-stream-event.js';
import { readServerSentEvents } from '../shared/sse.js';
import { ToolUseBlockStream } from '../shared/tool-use-blocks.js';
import { UpstreamError } from '../shared/upstream-error.js';
import {
  anthropicStreamEventSchema,
  type AnthropicContentBlock,
  type AnthropicDeltaUsage,
  type AnthropicStreamEvent,
} from './anthropic-api.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

export interface AnthropicStreamOptions {
  /** The forced answer tool of `json_schema` mode: its input is streamed as content. */
  responseToolName: string | null;
  /** Seconds since the epoch, for `created`. */
  now?: number;
}

/**
 * Turns an Anthropic Messages SSE stream into OpenAI chunks plus one usage part at `message_stop`. An `error` event
 * ends the stream with an UpstreamError; so does a stream that ends before `message_stop`.
 */
export async function* transformAnthropicStream(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
  options: AnthropicStreamOptions,
): AsyncGenerator<ChatStreamPart> {
  const converter = new AnthropicStreamConverter(provider, options);
  for await (const message of readServerSentEvents(provider, response, signal)) {
    const data = message.data.trim();
    if (data === '') continue;
    yield* converter.convert(parseStreamEvent(provider, data, anthropicStreamEventSchema, response.status));
  }
  converter.finish(response.status);
}

/** The state of one streamed message: event in, stream parts out. */
export class AnthropicStreamConverter {
  private finished = false;
  private message: { id: string; model: string } | null = null;
  private usage: AnthropicDeltaUsage = {};
  private readonly toolUse: ToolUseBlockStream;
  private readonly created: number;

  constructor(
    private readonly provider: string,
    options: AnthropicStreamOptions,
  ) {
    this.created = options.now ?? currentTimestamp();
    this.toolUse = new ToolUseBlockStream(options.responseToolName, (delta) => this.chunk(delta));
  }

  convert(event: AnthropicStreamEvent): ChatStreamPart[] {
    switch (event.type) {
      case 'message_start':
        this.message = { id: event.message.id, model: event.message.model };
        this.mergeUsage(event.message.usage);
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'content_block_start':
        return this.startBlock(event.index, event.content_block);
      case 'content_block_delta':
        return this.convertDelta(event.index, event.delta);
      case 'content_block_stop':
        return this.toolUse.stop(event.index);
      case 'message_delta': {
        this.mergeUsage(event.usage ?? {});
        const finishReason = this.toolUse.resolveFinishReason(event.delta.stop_reason, mapAnthropicFinishReason);
        return finishReason === null ? [] : [this.chunk({}, finishReason)];
      }
      case 'message_stop':
        this.finished = true;
        return [{ type: 'usage', usage: this.resolveUsage() }];
      case 'error':
        throw new UpstreamError('upstream_error', {
          provider: this.provider,
          // The stream already answered 200; the status the error would have had decides whether a retry can help.
          upstreamStatus: event.error.type === 'overloaded_error' ? 529 : 500,
          message: event.error.message,
          upstreamType: event.error.type,
        });
      case 'ping':
      case 'unknown':
        return [];
    }
  }

  /** Throws when the stream ended before `message_stop` (the upstream or a proxy cut it). */
  finish(status: number): void {
    if (this.finished) return;
    throw new UpstreamError('upstream_invalid_response', {
      provider: this.provider,
      upstreamStatus: status,
      message: 'the stream ended before message_stop',
    });
  }

  private startBlock(index: number, block: AnthropicContentBlock): ChatStreamPart[] {
    switch (block.type) {
      case 'text':
        return this.toolUse.text(block.text);
      case 'thinking':
        return block.thinking === '' ? [] : [this.chunk({ reasoning_content: block.thinking })];
      case 'tool_use':
        return this.toolUse.start(index, block.id, block.name);
      case 'redacted_thinking':
      case 'unknown':
        return [];
    }
  }

  private convertDelta(index: number, delta: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>['delta']): ChatStreamPart[] {
    switch (delta.type) {
      case 'text_delta':
        return this.toolUse.text(delta.text);
      case 'thinking_delta':
        return delta.thinking === '' ? [] : [this.chunk({ reasoning_content: delta.thinking })];
      case 'input_json_delta':
        return this.toolUse.appendArguments(index, delta.partial_json);
      // The thinking signature has no place in the OpenAI format; unknown deltas (citations, …) neither.
      case 'signature_delta':
      case 'unknown':
        return [];
    }
  }

  /** Usage arrives in parts (input at message_start, output at message_delta); the latest value of each field wins. */
  private mergeUsage(update: AnthropicDeltaUsage): void {
    for (const [field, value] of Object.entries(update)) {
      if (typeof value === 'number') this.usage = { ...this.usage, [field]: value };
    }
  }

  private resolveUsage(): NormalizedUsage {
    return convertAnthropicUsage({
      input_tokens: this.usage.input_tokens ?? 0,
      output_tokens: this.usage.output_tokens ?? 0,
      cache_read_input_tokens: this.usage.cache_read_input_tokens,
      cache_creation_input_tokens: this.usage.cache_creation_input_tokens,
    });
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatStreamPart {
    if (this.message === null) {
      throw new UpstreamError('upstream_invalid_response', {
        provider: this.provider,
        upstreamStatus: 200,
        message: 'a stream event arrived before message_start',
      });
    }
    return createChunkPart({ ...this.message, created: this.created }, delta, finishReason);
  }
}
