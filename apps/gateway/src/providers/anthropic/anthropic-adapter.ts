import { createStatusError, headerValue, readJsonBody, type HttpClient, type UpstreamResponse } from '../shared/http-client.js';
import type { ChatCall, ChatResult, ChatStream, ProviderAdapter, UpstreamMetadata } from '../shared/provider-adapter.js';
import { anthropicMessageSchema } from './anthropic-api.js';
import { transformAnthropicStream } from './anthropic-stream.js';
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

/** The API version this adapter's converters are written against. */
const anthropicVersion = '2023-06-01';

/** Anthropic's Messages API, spoken to in the OpenAI chat-completions format. No embeddings: Anthropic has none. */
export class AnthropicAdapter implements ProviderAdapter {
  readonly specificationVersion = 'v1';
  readonly kind = 'anthropic';
  readonly id: string;
  private readonly url: URL;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: AnthropicAdapterOptions) {
    this.id = options.id;
    this.url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/v1/messages`);
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
    return {
      warnings: converted.warnings,
      // The answering model is named only in the first event, after this resolves.
      upstream: this.metadata(response, null),
      [Symbol.asyncIterator]: () => parts,
    };
  }

  private convertRequest(call: ChatCall, stream: boolean): ConvertedAnthropicRequest {
    return convertToAnthropicRequest(call.request, {
      upstreamModel: call.upstreamModel,
      stream,
      maxOutputTokens: call.maxOutputTokens,
    });
  }

  private async post(converted: ConvertedAnthropicRequest, call: ChatCall, accept?: string): Promise<UpstreamResponse> {
    const response = await this.options.http.send({
      provider: this.id,
      url: this.url,
      headers: accept === undefined ? this.headers : { ...this.headers, accept },
      body: JSON.stringify(converted.body),
      signal: call.signal,
      timeoutMs: this.options.timeoutMs,
    });
    if (response.status >= 300) throw await createStatusError(this.id, response, call.signal, parseAnthropicError);
    return response;
  }

  private metadata(response: UpstreamResponse, model: string | null): UpstreamMetadata {
    return { status: response.status, requestId: headerValue(response.headers, 'request-id'), model };
  }
}
