import { randomBytes } from 'node:crypto';
import type { FinishReason } from '@arbiter/shared';
import { createChunkPart, currentTimestamp, type ChunkDelta } from '../shared/create-chat-chunk.js';
import type { UpstreamResponse } from '../shared/http-client.js';
import type { ChatStreamPart } from '../shared/provider-adapter.js';
import { checkStreamEvent, parseStreamEventJson } from '../shared/parse-stream-event.js';
import { readServerSentEvents } from '../shared/sse.js';
import { UpstreamError } from '../shared/upstream-error.js';
import {
  googleErrorBodySchema,
  googleGenerateContentResponseSchema,
  type GoogleCandidate,
  type GoogleFunctionCall,
  type GoogleGenerateContentResponse,
  type GoogleUsageMetadata,
} from './google-api.js';
import { createToolCallId, readCreated } from './convert-google-response.js';
import { convertGoogleUsage, hasTokenCounts } from './convert-google-usage.js';
import { PartialArgumentsWriter } from './google-partial-arguments.js';
import { createGoogleStreamError } from './map-google-error.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';

export interface GoogleStreamOptions {
  /** Named as the model until an event carries `modelVersion`. */
  upstreamModel: string;
  /** Seconds since the epoch, for `created` when the events carry no `createTime`. */
  now?: number;
}

/** The state of one candidate (one OpenAI choice) across events. */
interface CandidateState {
  toolCount: number;
  finished: boolean;
  /** A function call whose arguments are still arriving in `partialArgs` pieces. */
  openCall: { index: number; writer: PartialArgumentsWriter } | null;
}

/**
 * Turns a `streamGenerateContent?alt=sse` stream into OpenAI chunks plus one usage part at the end. Every event is a
 * whole GenerateContentResponse holding only the new parts; usage is cumulative and repeated (or only in the last
 * events), so the latest counts win. An `error` event, or a stream that ends before every candidate has a
 * finishReason (and the prompt was not blocked), ends the stream with an UpstreamError.
 */
export async function* transformGoogleStream(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
  options: GoogleStreamOptions,
): AsyncGenerator<ChatStreamPart> {
  const converter = new GoogleStreamConverter(provider, options);
  for await (const message of readServerSentEvents(provider, response, signal)) {
    const data = message.data.trim();
    if (data === '') continue;
    yield* converter.convert(parseEvent(provider, data, response.status));
  }
  yield* converter.finish(response.status);
}

/** The state of one streamed response: event in, stream parts out. */
export class GoogleStreamConverter {
  private readonly candidates = new Map<number, CandidateState>();
  private usage: GoogleUsageMetadata | null = null;
  private blocked = false;
  private id: string | null = null;
  private model: string;
  private created: number;

  constructor(
    private readonly provider: string,
    options: GoogleStreamOptions,
  ) {
    this.model = options.upstreamModel;
    this.created = options.now ?? currentTimestamp();
  }

  convert(event: GoogleGenerateContentResponse): ChatStreamPart[] {
    if (this.id === null) {
      this.id = event.responseId ?? `chatcmpl-${randomBytes(12).toString('hex')}`;
      this.model = event.modelVersion ?? this.model;
      this.created = readCreated(event.createTime) ?? this.created;
    }
    if (hasTokenCounts(event.usageMetadata)) this.usage = event.usageMetadata;
    const parts: ChatStreamPart[] = [];
    const candidates = event.candidates ?? [];
    if (candidates.length === 0 && event.promptFeedback?.blockReason != null && !this.blocked) {
      this.blocked = true;
      parts.push(this.chunk(0, { role: 'assistant', content: '' }), this.chunk(0, {}, 'content_filter'));
    }
    candidates.forEach((candidate, position) => parts.push(...this.convertCandidate(candidate, candidate.index ?? position)));
    return parts;
  }

  /** The usage part, once every candidate has finished. */
  finish(status: number): ChatStreamPart[] {
    const states = [...this.candidates.values()];
    const finished = this.blocked || (states.length > 0 && states.every((state) => state.finished));
    if (!finished) {
      throw new UpstreamError('upstream_invalid_response', {
        provider: this.provider,
        upstreamStatus: status,
        message: 'the stream ended before a finishReason',
      });
    }
    return this.usage === null ? [] : [{ type: 'usage', usage: convertGoogleUsage(this.usage) }];
  }

  private convertCandidate(candidate: GoogleCandidate, index: number): ChatStreamPart[] {
    const parts: ChatStreamPart[] = [];
    let state = this.candidates.get(index);
    if (state === undefined) {
      state = { toolCount: 0, finished: false, openCall: null };
      this.candidates.set(index, state);
      parts.push(this.chunk(index, { role: 'assistant', content: '' }));
    }
    for (const part of candidate.content?.parts ?? []) {
      if (part.functionCall != null) {
        parts.push(...this.convertFunctionCall(index, state, part.functionCall));
        continue;
      }
      if (typeof part.text !== 'string' || part.text === '') continue;
      parts.push(...this.closeCall(index, state));
      parts.push(this.chunk(index, part.thought === true ? { reasoning_content: part.text } : { content: part.text }));
      // Inline data (generated images) has no chunk form; other parts come only from tools we never enable.
    }
    if (candidate.finishReason != null && !state.finished) {
      parts.push(...this.closeCall(index, state));
      state.finished = true;
      parts.push(this.chunk(index, {}, mapGoogleFinishReason(candidate.finishReason, state.toolCount > 0)));
    }
    return parts;
  }

  /**
   * A function call arrives whole (`name` + `args`), or with `willContinue` as a name first and then `partialArgs`
   * pieces, ended by a piece without `willContinue` (Vertex sends `"functionCall": {}`).
   */
  private convertFunctionCall(index: number, state: CandidateState, call: GoogleFunctionCall): ChatStreamPart[] {
    const parts: ChatStreamPart[] = [];
    if (state.openCall !== null && call.name != null) parts.push(...this.closeCall(index, state));
    if (state.openCall === null) {
      if (call.name == null) return parts; // a closing piece with nothing open
      const toolIndex = state.toolCount++;
      const streamed = call.willContinue === true;
      const args = streamed ? '' : JSON.stringify(call.args ?? {});
      parts.push(this.chunk(index, { tool_calls: [{ index: toolIndex, id: createToolCallId(), type: 'function', function: { name: call.name, arguments: args } }] }));
      if (!streamed) return parts;
      state.openCall = { index: toolIndex, writer: new PartialArgumentsWriter() };
    }
    const open = state.openCall;
    parts.push(...this.toolArguments(index, open.index, this.writeArguments(() => open.writer.append(call.partialArgs ?? []))));
    if (call.willContinue !== true) parts.push(...this.closeCall(index, state));
    return parts;
  }

  /** Ends a streamed function call, so that its arguments are complete JSON. */
  private closeCall(index: number, state: CandidateState): ChatStreamPart[] {
    const open = state.openCall;
    if (open === null) return [];
    state.openCall = null;
    return this.toolArguments(index, open.index, this.writeArguments(() => open.writer.finish()));
  }

  private writeArguments(write: () => string): string {
    try {
      return write();
    } catch (error) {
      throw new UpstreamError('upstream_invalid_response', {
        provider: this.provider,
        upstreamStatus: 200,
        message: `streamed function-call arguments cannot be assembled: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
  }

  private toolArguments(index: number, toolIndex: number, fragment: string): ChatStreamPart[] {
    if (fragment === '') return [];
    return [this.chunk(index, { tool_calls: [{ index: toolIndex, function: { arguments: fragment } }] })];
  }

  private chunk(index: number, delta: ChunkDelta, finishReason: FinishReason | null = null): ChatStreamPart {
    return createChunkPart({ id: this.id ?? '', created: this.created, model: this.model }, delta, finishReason, index);
  }
}

/** One event's JSON: a GenerateContentResponse, or `{"error":{…}}` when Google fails after the stream began. */
function parseEvent(provider: string, data: string, status: number): GoogleGenerateContentResponse {
  const json = parseStreamEventJson(provider, data, status);
  const failure = googleErrorBodySchema.safeParse(json);
  if (failure.success) throw createGoogleStreamError(provider, failure.data);
  return checkStreamEvent(provider, json, googleGenerateContentResponseSchema, status);
}
