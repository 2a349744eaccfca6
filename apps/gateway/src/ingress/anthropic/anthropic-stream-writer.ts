import type { ChatCompletionChunk, FinishReason, GatewayError, OpenAIUsage } from '@arbiter/shared';
import type { ResponseMeta, StreamWriter } from '../../pipeline/chat-completion.js';
import type { SseTransport } from '../../streaming/sse-transport.js';
import type { StopReason } from './anthropic-messages-api.js';
import { convertToAnthropicUsage, mapFinishReasonToStopReason, toMessageId } from './convert-openai-to-messages-response.js';
import { renderAnthropicError } from './render-anthropic-error.js';

export interface AnthropicStreamWriterOptions {
  /** Warnings of the ingress conversion, added to the pipeline's in the `x-arbiter-warnings` header. */
  warnings: readonly string[];
  /** For the message id when the upstream sent no chunk before finishing. */
  requestId: string;
}

/**
 * Anthropic's streaming protocol over our SSE transport, for upstreams that are not Anthropic: the pipeline's OpenAI
 * chunks become `message_start`, per content block `content_block_start` / `content_block_delta` /
 * `content_block_stop`, then `message_delta` (stop reason and usage) and `message_stop`, each with its `event:` line
 * (the Anthropic SDK ignores events without one). An error after the first byte is one `event: error`.
 */
export function createAnthropicStreamWriter(transport: SseTransport, options: AnthropicStreamWriterOptions): StreamWriter {
  const encoder = new AnthropicEventEncoder(options.requestId);
  return {
    get opened() {
      return transport.opened;
    },
    open: (meta) => transport.open({ ...meta, warnings: [...options.warnings, ...meta.warnings] }),
    writeChunk(chunk) {
      const events = encoder.encodeChunk(chunk);
      return events === '' ? Promise.resolve() : transport.write(events);
    },
    finish: (usage, lastChunk, model) => transport.write(encoder.encodeFinish(usage, lastChunk, model)),
    fail: (error) => transport.write(formatAnthropicErrorEvent(error)),
    end: () => transport.end(),
  };
}

/** Anthropic upstream events, forwarded as they came (event name and data text unchanged). */
export interface AnthropicEventForwarder {
  readonly opened: boolean;
  open(meta: ResponseMeta): void;
  forward(name: string, data: string): Promise<void>;
  fail(error: GatewayError): Promise<void>;
  end(): void;
}

export function createAnthropicEventForwarder(transport: SseTransport): AnthropicEventForwarder {
  return {
    get opened() {
      return transport.opened;
    },
    open: (meta) => transport.open(meta),
    forward: (name, data) => transport.write(`event: ${name}\n${formatDataLines(data)}\n\n`),
    fail: (error) => transport.write(formatAnthropicErrorEvent(error)),
    end: () => transport.end(),
  };
}

export function formatAnthropicEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function formatAnthropicErrorEvent(error: GatewayError): string {
  return formatAnthropicEvent('error', renderAnthropicError(error));
}

/** A data payload that spans lines needs one `data:` line per line to survive SSE framing. */
function formatDataLines(data: string): string {
  return data.includes('\n') ? data.split('\n').map((line) => `data: ${line}`).join('\n') : `data: ${data}`;
}

type OpenBlock = { index: number; kind: 'text' | 'thinking' | 'tool' };
type ToolCallDelta = NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number];

/**
 * The state of one converted stream: OpenAI chunks in, Anthropic event text out. Only the first choice is streamed
 * (Anthropic messages have one). A block stays open while deltas of its kind arrive; another kind closes it.
 */
export class AnthropicEventEncoder {
  private started = false;
  private blockCount = 0;
  private open: OpenBlock | null = null;
  /** OpenAI tool-call index → Anthropic block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: FinishReason | null = null;
  private refused = false;
  private sawText = false;

  constructor(private readonly requestId: string) {}

  encodeChunk(chunk: ChatCompletionChunk): string {
    let events = this.start(chunk.id, chunk.model);
    const choice = chunk.choices.find((candidate) => candidate.index === 0);
    if (choice === undefined) return events;
    const delta = choice.delta;
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
      events += this.delta('thinking', { type: 'thinking_delta', thinking: delta.reasoning_content });
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.sawText = true;
      events += this.delta('text', { type: 'text_delta', text: delta.content });
    }
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      this.refused = true;
      events += this.delta('text', { type: 'text_delta', text: delta.refusal });
    }
    for (const call of delta.tool_calls ?? []) events += this.toolDelta(call);
    if (choice.finish_reason != null) this.finishReason = choice.finish_reason;
    return events;
  }

  encodeFinish(usage: OpenAIUsage, lastChunk: ChatCompletionChunk | null, model: string): string {
    const stopReason: StopReason = mapFinishReasonToStopReason(this.finishReason, this.refused && !this.sawText);
    return (
      this.start(lastChunk?.id ?? this.requestId, lastChunk?.model ?? model) +
      this.closeBlock() +
      formatAnthropicEvent('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: convertToAnthropicUsage(usage),
      }) +
      formatAnthropicEvent('message_stop', { type: 'message_stop' })
    );
  }

  /**
   * Input usage is not known before the end with OpenAI-format upstreams (it comes with the last chunk): it starts at
   * 0 and `message_delta` carries the totals, which Anthropic's SDK applies to the message.
   */
  private start(id: string, model: string): string {
    if (this.started) return '';
    this.started = true;
    return formatAnthropicEvent('message_start', {
      type: 'message_start',
      message: {
        id: toMessageId(id),
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  private delta(kind: 'text' | 'thinking', delta: object): string {
    let events = '';
    if (this.open?.kind !== kind) {
      events += this.closeBlock();
      const index = this.blockCount++;
      this.open = { index, kind };
      const block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
      events += formatAnthropicEvent('content_block_start', { type: 'content_block_start', index, content_block: block });
    }
    return events + formatAnthropicEvent('content_block_delta', { type: 'content_block_delta', index: this.open.index, delta });
  }

  /** A new tool-call index starts a tool_use block; argument fragments become `input_json_delta`s of its block. */
  private toolDelta(call: ToolCallDelta): string {
    let events = '';
    let index = this.toolBlocks.get(call.index);
    if (index === undefined) {
      events += this.closeBlock();
      index = this.blockCount++;
      this.toolBlocks.set(call.index, index);
      this.open = { index, kind: 'tool' };
      const block = { type: 'tool_use', id: call.id ?? `toolu_${this.requestId}_${call.index}`, name: call.function?.name ?? '', input: {} };
      events += formatAnthropicEvent('content_block_start', { type: 'content_block_start', index, content_block: block });
    }
    const fragment = call.function?.arguments ?? '';
    if (fragment === '') return events;
    // Fragments of an earlier, already closed call (interleaved parallel calls) still name their own block.
    return events + formatAnthropicEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: fragment } });
  }

  private closeBlock(): string {
    if (this.open === null) return '';
    const index = this.open.index;
    this.open = null;
    return formatAnthropicEvent('content_block_stop', { type: 'content_block_stop', index });
  }
}
