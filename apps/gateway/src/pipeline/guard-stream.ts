import type { ChatCompletionChunk } from '@arbiter/shared';
import type { StreamGuard, StreamGuardStep } from '../guardrails/stream-guard.js';
import type { AnthropicStreamEvent } from '../providers/anthropic/anthropic-api.js';
import type { GuardrailViolationError, RequestGuard } from './guard-request.js';
import { joinAnswers, selfCheckAnswer } from './guard-self-check.js';

/**
 * The output guard on a streamed answer. Each choice's text (each Anthropic text block) goes through a stream guard
 * that holds back the last `guardrails.stream_window` characters, so a value split across chunks is whole when it is
 * scanned and is redacted before any of it is sent. Held text is released when a finish reason, a tool call or the
 * end of a text block arrives. A block throws the GuardrailViolationError: the pipeline stops reading the upstream and
 * ends the client's stream with an error event in its protocol. Reasoning/thinking deltas and tool-call arguments
 * pass unscanned, as in the non-streamed guard.
 *
 * The `llm_self_check` guardrail judges a whole answer, so on a stream it runs once the upstream ended, on all the
 * text that was sent. The clean end (`[DONE]`, Anthropic's `message_stop`) waits for its verdict; a block ends the
 * stream with the error event instead. The text itself has already reached the client and cannot be recalled.
 */

type Choice = ChatCompletionChunk['choices'][number];

function release(guard: RequestGuard, step: StreamGuardStep): string {
  const blocked = guard.recordStreamStep(step);
  if (blocked !== null) throw blocked;
  return step.text;
}

/** OpenAI-format chunks (both ingresses of non-Anthropic upstreams, and chat completions). */
export class ChatChunkGuard {
  private readonly streams = new Map<number, StreamGuard>();
  /** The text sent per choice, kept only for the self-check. */
  private readonly answers: Map<number, string> | null;

  constructor(private readonly guard: RequestGuard) {
    this.answers = guard.selfChecks('output') ? new Map() : null;
  }

  /** The self-check on everything sent (every choice); null when the policy has none for answers or it passes. */
  async selfCheck(signal: AbortSignal): Promise<GuardrailViolationError | null> {
    if (this.answers === null) return null;
    const indexes = [...this.answers.keys()].sort((a, b) => a - b);
    return selfCheckAnswer(this.guard, joinAnswers(indexes.map((index) => this.answers?.get(index) ?? '')), signal);
  }

  private keep(index: number, text: string): void {
    if (this.answers !== null && text !== '') this.answers.set(index, (this.answers.get(index) ?? '') + text);
  }

  /** What to send in place of `chunk`: itself when untouched, a rewritten chunk, or null when it only carried held text. */
  guardChunk(chunk: ChatCompletionChunk): ChatCompletionChunk | null {
    let choices: Choice[] | null = null;
    for (let position = 0; position < chunk.choices.length; position++) {
      const choice = chunk.choices[position] as Choice;
      const content = choice.delta.content;
      const text = typeof content === 'string' ? content : '';
      const flush = choice.finish_reason != null || (choice.delta.tool_calls?.length ?? 0) > 0;
      let stream = this.streams.get(choice.index);
      if (stream === undefined) {
        if (text === '') continue;
        stream = this.guard.createStreamGuard();
        this.streams.set(choice.index, stream);
      }
      let released = text === '' ? '' : release(this.guard, stream.push(text));
      if (flush) released += release(this.guard, stream.end());
      this.keep(choice.index, released);
      if (released === text) continue;
      choices ??= [...chunk.choices];
      choices[position] = { ...choice, delta: { ...choice.delta, content: released } };
    }
    if (choices === null) return chunk;
    if (chunk.usage == null && choices.every(isEmptyChoice)) return null;
    return { ...chunk, choices };
  }

  /** Text still held when the upstream ended without a finish reason: one chunk per choice, to send before the end. */
  flush(lastChunk: ChatCompletionChunk | null, model: string): ChatCompletionChunk[] {
    const chunks: ChatCompletionChunk[] = [];
    for (const [index, stream] of this.streams) {
      const text = release(this.guard, stream.end());
      if (text === '') continue;
      this.keep(index, text);
      chunks.push({
        id: lastChunk?.id ?? 'chatcmpl-arbiter',
        object: 'chat.completion.chunk',
        created: lastChunk?.created ?? Math.floor(Date.now() / 1000),
        model: lastChunk?.model ?? model,
        choices: [{ index, delta: { content: text }, finish_reason: null }],
      });
    }
    return chunks;
  }
}

/** A choice with nothing to tell the client: its only text is being held back. */
function isEmptyChoice(choice: Choice): boolean {
  if (choice.finish_reason != null || choice.logprobs != null) return false;
  return Object.entries(choice.delta).every(([key, value]) => (key === 'content' ? value === '' : value == null));
}

/** One SSE event as it goes to the client. */
export interface ForwardedEvent {
  name: string;
  data: string;
}

/**
 * Anthropic's own events (the native pass-through): text deltas are rewritten with what the guard releases, and the
 * held rest goes out as one more `text_delta` right before the block's `content_block_stop`. Every other event is
 * forwarded as it came.
 */
export class AnthropicEventGuard {
  private stream: StreamGuard | null = null;
  private textIndex: number | null = null;
  private released = '';
  /** Every text block's sent text, kept only for the self-check; null when the policy has none for answers. */
  private answer: string | null;
  /** `message_stop`, held until the self-check passed. */
  private heldStop: ForwardedEvent | null = null;

  constructor(private readonly guard: RequestGuard) {
    this.answer = guard.selfChecks('output') ? '' : null;
  }

  /** The self-check on all the text sent; null when the policy has none for answers or it passes. */
  async selfCheck(signal: AbortSignal): Promise<GuardrailViolationError | null> {
    return this.answer === null ? null : selfCheckAnswer(this.guard, this.answer, signal);
  }

  /** The held `message_stop`, to send once the self-check passed. */
  takeHeldStop(): ForwardedEvent[] {
    const stop = this.heldStop;
    this.heldStop = null;
    return stop === null ? [] : [stop];
  }

  /** The answer text sent since the last call (redacted), for the usage record. */
  takeReleased(): string {
    const text = this.released;
    this.released = '';
    return text;
  }

  guardEvent(name: string, data: string, event: AnthropicStreamEvent): ForwardedEvent[] {
    const unchanged = [{ name, data }];
    switch (event.type) {
      case 'content_block_start': {
        if (event.content_block.type !== 'text') return unchanged;
        this.textIndex = event.index;
        this.stream = this.guard.createStreamGuard();
        if (event.content_block.text === '') return unchanged;
        // Text that comes in the start event is held like a delta's.
        const released = this.push(this.stream, event.content_block.text);
        const start = { name, data: JSON.stringify({ ...event, content_block: { ...event.content_block, text: '' } }) };
        return released === '' ? [start] : [start, textDelta(event.index, released)];
      }
      case 'content_block_delta': {
        if (event.delta.type !== 'text_delta') return unchanged;
        if (event.index !== this.textIndex || this.stream === null) {
          this.keep(event.delta.text);
          return unchanged;
        }
        const released = this.push(this.stream, event.delta.text);
        if (released === event.delta.text) return unchanged;
        return released === '' ? [] : [{ name, data: JSON.stringify({ ...event, delta: { ...event.delta, text: released } }) }];
      }
      case 'content_block_stop': {
        if (event.index !== this.textIndex) return unchanged;
        const rest = this.finish();
        return [...rest, ...unchanged];
      }
      case 'message_stop': {
        if (this.answer === null) return unchanged;
        this.heldStop = { name, data };
        return [];
      }
      default:
        return unchanged;
    }
  }

  /** Releases the open text block's held text (at its stop, or when the upstream ended without one). */
  finish(): ForwardedEvent[] {
    const stream = this.stream;
    const index = this.textIndex;
    this.stream = null;
    this.textIndex = null;
    if (stream === null || index === null) return [];
    const rest = release(this.guard, stream.end());
    this.keep(rest);
    return rest === '' ? [] : [textDelta(index, rest)];
  }

  private push(stream: StreamGuard, text: string): string {
    const released = release(this.guard, stream.push(text));
    this.keep(released);
    return released;
  }

  private keep(text: string): void {
    this.released += text;
    if (this.answer !== null) this.answer += text;
  }
}

function textDelta(index: number, text: string): ForwardedEvent {
  return { name: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }) };
}
