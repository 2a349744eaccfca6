import type { NormalizedUsage } from '@arbiter/shared';
import {
  createStatusError,
  headerValue,
  readJsonBody,
  readRawJsonBody,
  sendRequest,
  type HttpClient,
  type UpstreamResponse,
} from '../shared/http-client.js';
import { parseStreamEvent } from '../shared/parse-stream-event.js';
import {
  createChatStream,
  type CallContext,
  type ChatCall,
  type ChatResult,
  type ChatStream,
  type ProviderAdapter,
  type UpstreamMetadata,
} from '../shared/provider-adapter.js';
import { readServerSentEvents } from '../shared/sse.js';
import {
  anthropicMessageSchema,
  anthropicStreamEventSchema,
  anthropicTokenCountSchema,
  type AnthropicMessage,
  type AnthropicStreamEvent,
} from './anthropic-api.js';
import { AnthropicStreamConverter, transformAnthropicStream } from './anthropic-stream.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertToAnthropicRequest, type ConvertedAnthropicRequest } from './convert-to-anthropic-request.js';
import { parseAnthropicError } from './map-anthropic-error.js';

export interface AnthropicAdapterOptions {
  id: string;
  /** Base URL without the version path, e.g. `https://api.anthropic.com`. */
  baseUrl: string;
  apiKey: string | undefined;
  apiKeyVariable: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  http: HttpClient;
}

/** A request in Anthropic's own format, from the Anthropic-compatible ingress (pass-through). */
export interface MessagesCall extends CallContext {
  /** The client's request body: sent unchanged except `model`, which becomes `upstreamModel`. */
  body: Record<string, unknown>;
  /** The client's `anthropic-beta` header: a beta changes what a body may contain, so it travels with the body. */
  beta?: string | null;
}

export interface MessageResult {
  /** The upstream's response bytes, for the client as they came. */
  rawBody: string;
  message: AnthropicMessage;
  usage: NormalizedUsage;
  upstream: UpstreamMetadata;
}

export type MessageStreamPart =
  /** One upstream event: its name and data text (to forward unchanged) and its parsed form. */
  | { type: 'event'; name: string; data: string; event: AnthropicStreamEvent }
  /** The message's usage, once, right after `message_stop`. */
  | { type: 'usage'; usage: NormalizedUsage };

export interface MessageStream extends AsyncIterable<MessageStreamPart> {
  upstream: UpstreamMetadata;
}

export interface TokenCountResult {
  rawBody: string;
  inputTokens: number;
  upstream: UpstreamMetadata;
}

/** The API version this adapter's converters are written against. */
const anthropicVersion = '2023-06-01';

/** Anthropic's Messages API, spoken to in the OpenAI chat-completions format. No embeddings: Anthropic has none. */
export class AnthropicAdapter implements ProviderAdapter {
  readonly specificationVersion = 'v1';
  readonly kind = 'anthropic';
  readonly id: string;
  private readonly url: URL;
  private readonly countTokensUrl: URL;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: AnthropicAdapterOptions) {
    this.id = options.id;
    this.url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/v1/messages`);
    this.countTokensUrl = new URL(`${this.url.href}/count_tokens`);
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'anthropic-version': anthropicVersion,
      ...options.headers,
    };
    if (options.apiKey !== undefined) this.headers['x-api-key'] = options.apiKey;
  }

  missingCredential(): string | null {
    return this.options.apiKey === undefined ? this.options.apiKeyVariable : null;
  }

  async createChatCompletion(call: ChatCall): Promise<ChatResult> {
    const converted = this.convertRequest(call, false);
    const response = await this.post(converted, call);
    const message = await readJsonBody(this.id, response, anthropicMessageSchema, call.signal);
    const result = convertAnthropicResponse(message, { responseToolName: converted.responseToolName });
    return {
      body: result.body,
      usage: result.usage,
      finishReason: result.finishReason,
      warnings: converted.warnings,
      upstream: this.metadata(response, message.model),
    };
  }

  async streamChatCompletion(call: ChatCall): Promise<ChatStream> {
    const converted = this.convertRequest(call, true);
    const response = await this.post(converted, call, 'text/event-stream');
    const parts = transformAnthropicStream(this.id, response, call.signal, { responseToolName: converted.responseToolName });
    // The answering model is named only in the first event, after this resolves.
    return createChatStream(parts, converted.warnings, this.metadata(response, null));
  }

  /** Native pass-through: the client's Messages body to Anthropic, the response bytes back unchanged. */
  async createMessage(call: MessagesCall): Promise<MessageResult> {
    const response = await this.send(this.url, this.nativeBody(call), call.signal, this.nativeHeaders(call));
    const { rawBody, body: message } = await readRawJsonBody(this.id, response, anthropicMessageSchema, call.signal);
    return { rawBody, message, usage: convertAnthropicUsage(message.usage), upstream: this.metadata(response, message.model) };
  }

  /**
   * Native pass-through, streamed: every upstream event as it came, plus the usage at `message_stop`. An `error`
   * event is yielded (so it can be forwarded) and then thrown as an UpstreamError; so is a stream that ends early.
   */
  async streamMessage(call: MessagesCall): Promise<MessageStream> {
    const body = this.nativeBody({ ...call, body: { ...call.body, stream: true } });
    const response = await this.send(this.url, body, call.signal, this.nativeHeaders(call, 'text/event-stream'));
    const parts = this.readMessageEvents(response, call.signal);
    return { upstream: this.metadata(response, null), [Symbol.asyncIterator]: () => parts };
  }

  async countTokens(call: MessagesCall): Promise<TokenCountResult> {
    const response = await this.send(this.countTokensUrl, this.nativeBody(call), call.signal, this.nativeHeaders(call));
    const { rawBody, body: count } = await readRawJsonBody(this.id, response, anthropicTokenCountSchema, call.signal);
    return { rawBody, inputTokens: count.input_tokens, upstream: this.metadata(response, null) };
  }

  private async *readMessageEvents(response: UpstreamResponse, signal: AbortSignal): AsyncGenerator<MessageStreamPart> {
    // The converter of the OpenAI-format path knows how usage accumulates and what an error event means.
    const converter = new AnthropicStreamConverter(this.id, { responseToolName: null });
    for await (const message of readServerSentEvents(this.id, response, signal)) {
      if (message.data.trim() === '') continue;
      const event = parseStreamEvent(this.id, message.data, anthropicStreamEventSchema, response.status);
      const name = message.event ?? (event.type === 'unknown' ? event.unknownType : event.type);
      yield { type: 'event', name, data: message.data, event };
      for (const part of converter.convert(event)) {
        if (part.type === 'usage') yield { type: 'usage', usage: part.usage };
      }
    }
    converter.finish(response.status);
  }

  private nativeBody(call: MessagesCall): string {
    return JSON.stringify({ ...call.body, model: call.upstreamModel });
  }

  private nativeHeaders(call: MessagesCall, accept?: string): Record<string, string> {
    const headers: Record<string, string> = accept === undefined ? { ...this.headers } : { ...this.headers, accept };
    if (call.beta != null && call.beta !== '') {
      const configured = headers['anthropic-beta'];
      headers['anthropic-beta'] = configured === undefined ? call.beta : `${configured},${call.beta}`;
    }
    return headers;
  }

  private convertRequest(call: ChatCall, stream: boolean): ConvertedAnthropicRequest {
    return convertToAnthropicRequest(call.request, {
      upstreamModel: call.upstreamModel,
      stream,
      maxOutputTokens: call.maxOutputTokens,
    });
  }

  private post(converted: ConvertedAnthropicRequest, call: ChatCall, accept?: string): Promise<UpstreamResponse> {
    const headers = accept === undefined ? this.headers : { ...this.headers, accept };
    return this.send(this.url, JSON.stringify(converted.body), call.signal, headers);
  }

  private async send(url: URL, body: string, signal: AbortSignal, headers: Record<string, string>): Promise<UpstreamResponse> {
    const request = { provider: this.id, url, headers, body, signal, timeoutMs: this.options.timeoutMs };
    return sendRequest(this.options.http, request, (response) => createStatusError(this.id, response, signal, parseAnthropicError));
  }

  private metadata(response: UpstreamResponse, model: string | null): UpstreamMetadata {
    return { status: response.status, requestId: headerValue(response.headers, 'request-id'), model };
  }
}
