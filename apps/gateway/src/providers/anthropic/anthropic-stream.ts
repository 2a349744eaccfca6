import type { ChatCompletionChunk, FinishReason, NormalizedUsage } from '@arbiter/shared';
import type { UpstreamResponse } from '../shared/http-client.js';
import type { ChatStreamPart } from '../shared/provider-adapter.js';
import { readServerSentEvents } from '../shared/sse.js';
import { UpstreamError } from '../shared/upstream-error.js';
import {
  anthropicStreamEventSchema,
  type AnthropicContentBlock,
  type AnthropicDeltaUsage,
  type AnthropicStreamEvent,
} from './anthropic-api.js';
import { resolveFinishReason } from './convert-anthropic-response.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';

export interface AnthropicStreamOptions {
  /** The forced answer tool of `json_schema` mode: its input is streamed as content. */
  responseToolName: string | null;
  /** Seconds since the epoch, for `created`. */
  now?: number;
}

type Delta = ChatCompletionChunk['choices'][number]['delta'];

/** A tool_use block being streamed: a client tool call (with its OpenAI index) or the json_schema answer. */
type ToolBlock = { kind: 'tool'; index: number; argumentsSent: boolean } | { kind: 'answer'; argumentsSent: boolean };

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
    yield* converter.convert(parseEvent(provider, data));
  }
  if (!converter.finished) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: response.status,
      message: 'the stream ended before message_stop',
    });
  }
}

/** The state of one streamed message: event in, stream parts out. */
export class AnthropicStreamConverter {
  finished = false;
  private message: { id: string; model: string } | null = null;
  private usage: AnthropicDeltaUsage = {};
  private readonly toolBlocks = new Map<number, ToolBlock>();
  private toolCount = 0;
  private answered = false;
  private readonly created: number;

  constructor(
    private readonly provider: string,
    private readonly options: AnthropicStreamOptions,
  ) {
    this.created = options.now ?? Math.floor(Date.now() / 1000);
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
        return this.stopBlock(event.index);
      case 'message_delta': {
        this.mergeUsage(event.usage ?? {});
        const finishReason = resolveFinishReason(event.delta.stop_reason, this.answered, this.toolCount > 0);
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

  private startBlock(index: number, block: AnthropicContentBlock): ChatStreamPart[] {
    switch (block.type) {
      case 'text':
        return this.text(block.text);
      case 'thinking':
        return block.thinking === '' ? [] : [this.chunk({ reasoning_content: block.thinking })];
      case 'tool_use':
        if (block.name === this.options.responseToolName && !this.answered) {
          this.answered = true;
          this.toolBlocks.set(index, { kind: 'answer', argumentsSent: false });
          return [];
        }
        this.toolBlocks.set(index, { kind: 'tool', index: this.toolCount, argumentsSent: false });
        return [
          this.chunk({
            tool_calls: [{ index: this.toolCount++, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
          }),
        ];
      case 'redacted_thinking':
      case 'unknown':
        return [];
    }
  }

  private convertDelta(index: number, delta: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>['delta']): ChatStreamPart[] {
    switch (delta.type) {
      case 'text_delta':
        return this.text(delta.text);
      case 'thinking_delta':
        return delta.thinking === '' ? [] : [this.chunk({ reasoning_content: delta.thinking })];
      case 'input_json_delta':
        return this.toolArguments(index, delta.partial_json);
      // The thinking signature has no place in the OpenAI format; unknown deltas (citations, …) neither.
      case 'signature_delta':
      case 'unknown':
        return [];
    }
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

  private chunk(delta: Delta, finishReason: FinishReason | null = null): ChatStreamPart {
    if (this.message === null) {
      throw new UpstreamError('upstream_invalid_response', {
        provider: this.provider,
        upstreamStatus: 200,
        message: 'a stream event arrived before message_start',
      });
    }
    const chunk: ChatCompletionChunk = {
      id: this.message.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.message.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
    return { type: 'chunk', chunk };
  }
}

function parseEvent(provider: string, data: string): AnthropicStreamEvent {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (error) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: 200,
      message: `a stream event is not JSON (${data.slice(0, 120)})`,
      cause: error,
    });
  }
  const result = anthropicStreamEventSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: 200,
      message: `unexpected stream event shape at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
      cause: result.error,
    });
  }
  return result.data;
}
