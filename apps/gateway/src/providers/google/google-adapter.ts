import { GatewayError } from '@arbiter/shared';
import { readJsonBody, sendRequest, type HttpClient, type UpstreamResponse } from '../shared/http-client.js';
import {
  createChatStream,
  type CallContext,
  type ChatCall,
  type ChatResult,
  type ChatStream,
  type EmbeddingCall,
  type EmbeddingResult,
  type ProviderAdapter,
  type UpstreamMetadata,
} from '../shared/provider-adapter.js';
import {
  googleBatchEmbedResponseSchema,
  googleGenerateContentResponseSchema,
  vertexEmbeddingPredictResponseSchema,
} from './google-api.js';
import { GoogleAccessTokenProvider, type GoogleServiceAccount } from './google-auth.js';
import {
  convertGoogleBatchEmbedResponse,
  convertToGoogleBatchEmbedRequest,
  convertToVertexPredictRequest,
  convertVertexEmbeddingResponse,
  type ConvertedEmbeddingResponse,
} from './convert-google-embeddings.js';
import { convertGoogleResponse } from './convert-google-response.js';
import { convertToGoogleRequest } from './convert-to-google-request.js';
import { transformGoogleStream } from './google-stream.js';
import { createGoogleStatusError } from './map-google-error.js';

export interface GoogleAdapterOptions {
  id: string;
  /** `gemini`: the Gemini API (generativelanguage.googleapis.com); `vertex`: Vertex AI (aiplatform.googleapis.com). */
  kind: 'gemini' | 'vertex';
  /** Gemini API key (`GOOGLE_API_KEY`), sent as `x-goog-api-key`. */
  apiKey?: string;
  /** Vertex: the service-account key file's contents (`GOOGLE_APPLICATION_CREDENTIALS`, see readServiceAccountFile). */
  serviceAccount?: GoogleServiceAccount;
  /** Vertex: the Cloud project; defaults to the service account's `project_id`. */
  project?: string;
  /** Vertex: the region, e.g. `us-central1`; default `global` (host aiplatform.googleapis.com, all Gemini models). */
  location?: string;
  /** Origin override without the version path (e.g. `http://127.0.0.1:4030` for the emulator). */
  baseUrl?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  http: HttpClient;
}

type GoogleMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents' | 'predict';

/** Google's Gemini models through the Gemini API or Vertex AI (one wire format, two URL schemes and auth methods). */
export class GoogleAdapter implements ProviderAdapter {
  readonly specificationVersion = 'v1';
  readonly id: string;
  readonly kind: 'gemini' | 'vertex';
  private readonly origin: string;
  private readonly project: string | undefined;
  private readonly location: string;
  private readonly tokens: GoogleAccessTokenProvider | null;

  constructor(private readonly options: GoogleAdapterOptions) {
    this.id = options.id;
    this.kind = options.kind;
    this.project = options.project ?? options.serviceAccount?.project_id;
    this.location = options.location ?? 'global';
    this.origin = (options.baseUrl ?? defaultOrigin(options.kind, this.location)).replace(/\/+$/, '');
    const { serviceAccount } = options;
    this.tokens =
      options.kind === 'vertex' && serviceAccount !== undefined
        ? new GoogleAccessTokenProvider({ provider: options.id, serviceAccount, http: options.http })
        : null;
  }

  missingCredential(): string | null {
    if (this.kind === 'gemini') return this.options.apiKey === undefined ? 'GOOGLE_API_KEY' : null;
    if (this.options.serviceAccount === undefined) return 'GOOGLE_APPLICATION_CREDENTIALS';
    // The key file usually names its project; without one the URL cannot be built.
    return this.project === undefined ? 'GOOGLE_CLOUD_PROJECT' : null;
  }

  async createChatCompletion(call: ChatCall): Promise<ChatResult> {
    const converted = convertToGoogleRequest(call.request, { upstreamModel: call.upstreamModel });
    const response = await this.post(this.url(call.upstreamModel, 'generateContent'), converted.body, call);
    const parsed = await readJsonBody(this.id, response, googleGenerateContentResponseSchema, call.signal);
    const result = convertGoogleResponse(parsed, { upstreamModel: call.upstreamModel });
    return {
      body: result.body,
      usage: result.usage,
      finishReason: result.finishReason,
      warnings: [...converted.warnings, ...result.warnings],
      upstream: this.metadata(response, parsed.responseId ?? null, parsed.modelVersion ?? null),
    };
  }

  async streamChatCompletion(call: ChatCall): Promise<ChatStream> {
    const converted = convertToGoogleRequest(call.request, { upstreamModel: call.upstreamModel });
    const response = await this.post(this.url(call.upstreamModel, 'streamGenerateContent'), converted.body, call, 'text/event-stream');
    const parts = transformGoogleStream(this.id, response, call.signal, { upstreamModel: call.upstreamModel });
    // The response id and model version arrive with the first event, after this resolves.
    return createChatStream(parts, converted.warnings, this.metadata(response, null, null));
  }

  async createEmbeddings(call: EmbeddingCall): Promise<EmbeddingResult> {
    const context = { provider: this.id, model: call.upstreamModel };
    let result: ConvertedEmbeddingResponse;
    let warnings: string[];
    let response: UpstreamResponse;
    if (this.kind === 'gemini') {
      const converted = convertToGoogleBatchEmbedRequest(call.request, stripModelPrefix(call.upstreamModel));
      warnings = converted.warnings;
      response = await this.post(this.url(call.upstreamModel, 'batchEmbedContents'), converted.body, call);
      const parsed = await readJsonBody(this.id, response, googleBatchEmbedResponseSchema, call.signal);
      result = convertGoogleBatchEmbedResponse(parsed, call.request, { ...context, inputCount: converted.inputCount });
    } else {
      const converted = convertToVertexPredictRequest(call.request);
      warnings = converted.warnings;
      response = await this.post(this.url(call.upstreamModel, 'predict'), converted.body, call);
      const parsed = await readJsonBody(this.id, response, vertexEmbeddingPredictResponseSchema, call.signal);
      result = convertVertexEmbeddingResponse(parsed, call.request, { ...context, inputCount: converted.inputCount });
    }
    return { body: result.body, usage: result.usage, warnings, upstream: this.metadata(response, null, call.upstreamModel) };
  }

  /** Gemini: `/v1beta/models/{model}:{method}`; Vertex: `/v1/projects/{p}/locations/{l}/publishers/google/models/…`. */
  private url(model: string, method: GoogleMethod): URL {
    const name = encodeURIComponent(stripModelPrefix(model));
    const query = method === 'streamGenerateContent' ? '?alt=sse' : '';
    if (this.kind === 'gemini') return new URL(`${this.origin}/v1beta/models/${name}:${method}${query}`);
    const project = encodeURIComponent(this.project ?? '');
    const location = encodeURIComponent(this.location);
    return new URL(`${this.origin}/v1/projects/${project}/locations/${location}/publishers/google/models/${name}:${method}${query}`);
  }

  private async post(url: URL, body: unknown, call: CallContext, accept = 'application/json'): Promise<UpstreamResponse> {
    const missing = this.missingCredential();
    if (missing !== null) {
      throw new GatewayError('provider_not_configured', { message: `provider ${this.id} needs ${missing}` });
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', accept, ...this.options.headers };
    let token: string | null = null;
    if (this.tokens !== null) {
      token = await this.tokens.getAccessToken(call.signal);
      headers.authorization = `Bearer ${token}`;
    } else if (this.options.apiKey !== undefined) {
      headers['x-goog-api-key'] = this.options.apiKey;
    }
    const request = { provider: this.id, url, headers, body: JSON.stringify(body), signal: call.signal, timeoutMs: this.options.timeoutMs };
    return sendRequest(this.options.http, request, (response) => {
      // A token Google no longer accepts is not reused; the next request fetches a new one (no hidden retry here).
      if (response.status === 401 && token !== null) this.tokens?.invalidate(token);
      return createGoogleStatusError(this.id, response, call.signal);
    });
  }

  private metadata(response: UpstreamResponse, requestId: string | null, model: string | null): UpstreamMetadata {
    // Google sends no request-id header; the response id is what its support asks for.
    return { status: response.status, requestId, model };
  }
}

/** The public endpoint: Vertex AI is regional (`{location}-aiplatform…`) except for the `global` location. */
export function defaultOrigin(kind: 'gemini' | 'vertex', location: string): string {
  if (kind === 'gemini') return 'https://generativelanguage.googleapis.com';
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

/** `models/gemini-2.5-flash` (as the Gemini API lists models) → `gemini-2.5-flash`. */
function stripModelPrefix(model: string): string {
  return model.replace(/^models\//, '');
}
