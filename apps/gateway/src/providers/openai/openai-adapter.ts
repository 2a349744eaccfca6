import { chatCompletionResponseSchema, providerQuirksSchema, type ProviderQuirks } from '@arbiter/shared';
import {
  createStatusError,
  headerValue,
  readRawJsonBody,
  sendRequest,
  type HttpClient,
  type UpstreamResponse,
} from '../shared/http-client.js';
import type {
  CallContext,
  ChatCall,
  ChatResult,
  ChatStream,
  EmbeddingCall,
  EmbeddingResult,
  ProviderAdapter,
  UpstreamMetadata,
} from '../shared/provider-adapter.js';
import { createChatStream } from '../shared/provider-adapter.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { convertToOpenAIRequest } from './convert-to-openai-request.js';
import { parseOpenAIError } from './map-openai-error.js';
import { transformOpenAIStream } from './openai-stream.js';
import { readOpenAIEmbeddings } from './read-openai-embeddings.js';

export interface OpenAIAdapterOptions {
  id: string;
  kind: 'openai' | 'openai-compatible';
  /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey: string | undefined;
  /** The variable the key is read from, named in the error when it is missing. */
  apiKeyVariable: string | null;
  headers?: Record<string, string>;
  quirks?: ProviderQuirks;
  timeoutMs: number;
  http: HttpClient;
}

/** OpenAI and every server that speaks its chat-completions protocol. */
export class OpenAIAdapter implements ProviderAdapter {
  readonly specificationVersion = 'v1';
  readonly id: string;
  readonly kind: 'openai' | 'openai-compatible';
  private readonly quirks: ProviderQuirks;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  /** Built once: the same URLs and headers go out with every request. */
  private streamHeaders: Record<string, string> | undefined;
  private readonly urls = new Map<string, URL>();

  constructor(private readonly options: OpenAIAdapterOptions) {
    this.id = options.id;
    this.kind = options.kind;
    this.quirks = options.quirks ?? providerQuirksSchema.parse({});
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
    if (options.apiKey !== undefined) this.headers.authorization = `Bearer ${options.apiKey}`;
  }

  missingCredential(): string | null {
    // OpenAI itself needs a key; local OpenAI-compatible servers usually do not, unless config names a variable.
    if (this.options.apiKey !== undefined) return null;
    return this.options.apiKeyVariable;
  }

  async createChatCompletion(call: ChatCall): Promise<ChatResult> {
    const converted = convertToOpenAIRequest(call.request, {
      upstreamModel: call.upstreamModel,
      stream: false,
      kind: this.kind,
      quirks: this.quirks,
      reasoningModel: call.reasoningModel,
    });
    const response = await this.post('/chat/completions', converted.body, call);
    const { rawBody, body } = await readRawJsonBody(this.id, response, chatCompletionResponseSchema, call.signal);
    return {
      body,
      rawBody,
      usage: body.usage === undefined ? null : convertOpenAIUsage(body.usage),
      finishReason: body.choices[0]?.finish_reason ?? null,
      warnings: converted.warnings,
      upstream: this.metadata(response, body.model),
    };
  }

  async streamChatCompletion(call: ChatCall): Promise<ChatStream> {
    const converted = convertToOpenAIRequest(call.request, {
      upstreamModel: call.upstreamModel,
      stream: true,
      kind: this.kind,
      quirks: this.quirks,
      reasoningModel: call.reasoningModel,
    });
    const response = await this.post('/chat/completions', converted.body, call, true);
    const parts = transformOpenAIStream(this.id, response, call.signal);
    return createChatStream(parts, converted.warnings, this.metadata(response, null));
  }

  async createEmbeddings(call: EmbeddingCall): Promise<EmbeddingResult> {
    const body = { ...call.request, model: call.upstreamModel };
    const response = await this.post('/embeddings', body, call);
    const { body: parsed, usage } = await readOpenAIEmbeddings(this.id, response, call.signal);
    return { body: parsed, usage, warnings: [], upstream: this.metadata(response, parsed.model) };
  }

  private async post(path: string, body: unknown, call: CallContext, stream = false): Promise<UpstreamResponse> {
    const headers = stream ? (this.streamHeaders ??= { ...this.headers, accept: 'text/event-stream' }) : this.headers;
    let url = this.urls.get(path);
    if (url === undefined) {
      url = new URL(this.baseUrl + path);
      this.urls.set(path, url);
    }
    const request = { provider: this.id, url, headers, body: JSON.stringify(body), signal: call.signal, timeoutMs: this.options.timeoutMs };
    return sendRequest(this.options.http, request, (response) => createStatusError(this.id, response, call.signal, parseOpenAIError));
  }

  private metadata(response: UpstreamResponse, model: string | null): UpstreamMetadata {
    return { status: response.status, requestId: headerValue(response.headers, 'x-request-id'), model };
  }
}
