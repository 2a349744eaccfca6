import type { ChatCompletionResponse } from '@arbiter/shared';
import { convertOpenAIUsage } from '../openai/convert-openai-usage.js';
import type { ConvertedRequest } from '../openai/convert-to-openai-request.js';
import { readOpenAIEmbeddings } from '../openai/read-openai-embeddings.js';
import {
  createStatusError,
  headerValue,
  readRawJsonBody,
  sendRequest,
  type HttpClient,
  type UpstreamResponse,
} from '../shared/http-client.js';
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
import { UpstreamError } from '../shared/upstream-error.js';
import { azureChatCompletionSchema, type AzureChatCompletion } from './azure-api.js';
import { transformAzureStream } from './azure-stream.js';
import { convertToAzureRequest } from './convert-to-azure-request.js';
import { buildContentFilterWarnings } from './describe-azure-content-filters.js';
import { findUnrecognizedParameters, parseAzureError, type DowngradableParameter } from './map-azure-error.js';

/** The current GA data-plane version; reasoning deployments need 2024-12-01-preview or later. */
export const defaultAzureApiVersion = '2024-10-21';

export interface AzureAdapterOptions {
  id: string;
  /** The resource endpoint without a path, e.g. `https://<resource>.openai.azure.com`. */
  endpoint: string;
  /** The `api-version` query parameter; default {@link defaultAzureApiVersion}. */
  apiVersion?: string;
  /** Sent as `api-key`; takes precedence over Entra ID when both are configured. */
  apiKey?: string;
  /** A static Microsoft Entra ID access token (AZURE_OPENAI_AD_TOKEN), sent as `Authorization: Bearer`. */
  adToken?: string;
  /** Called before every request for a current Entra ID token (tokens expire after about an hour). */
  adTokenProvider?: () => Promise<string>;
  headers?: Record<string, string>;
  timeoutMs: number;
  http: HttpClient;
}

/**
 * Azure OpenAI: OpenAI's chat-completions protocol behind per-deployment URLs, `api-key` or Entra ID auth, and
 * content-filter annotations. The deployment is the model name the gateway resolved (`upstreamModel`).
 */
export class AzureAdapter implements ProviderAdapter {
  readonly specificationVersion = 'v1';
  readonly kind = 'azure';
  readonly id: string;
  private readonly endpoint: string;
  private readonly apiVersion: string;
  private readonly headers: Record<string, string>;
  /** Per deployment, the parameters it rejected as unrecognized, so later requests leave them out from the start. */
  private readonly rejectedParameters = new Map<string, Set<DowngradableParameter>>();

  constructor(private readonly options: AzureAdapterOptions) {
    this.id = options.id;
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.apiVersion = options.apiVersion ?? defaultAzureApiVersion;
    this.headers = { 'content-type': 'application/json', ...options.headers };
  }

  missingCredential(): string | null {
    const { apiKey, adToken, adTokenProvider } = this.options;
    return apiKey === undefined && adToken === undefined && adTokenProvider === undefined ? 'AZURE_OPENAI_API_KEY' : null;
  }

  /** `{endpoint}/openai/deployments/{deployment}/{operation}?api-version=…` */
  buildUrl(deployment: string, operation: 'chat/completions' | 'embeddings'): URL {
    const url = new URL(`${this.endpoint}/openai/deployments/${encodeURIComponent(deployment)}/${operation}`);
    url.searchParams.set('api-version', this.apiVersion);
    return url;
  }

  async createChatCompletion(call: ChatCall): Promise<ChatResult> {
    const { response, converted } = await this.postChat(call, false);
    const { rawBody, body: parsed } = await readRawJsonBody(this.id, response, azureChatCompletionSchema, call.signal);
    const body = fillMissingContent(parsed);
    return {
      body,
      // A filtered choice without `content` was completed above: the client gets the completed body instead.
      rawBody: body === parsed ? rawBody : undefined,
      usage: body.usage === undefined ? null : convertOpenAIUsage(body.usage),
      finishReason: body.choices[0]?.finish_reason ?? null,
      warnings: [...converted.warnings, ...buildContentFilterWarnings(body)],
      upstream: this.metadata(response, body.model),
    };
  }

  async streamChatCompletion(call: ChatCall): Promise<ChatStream> {
    const { response, converted } = await this.postChat(call, true);
    const parts = transformAzureStream(this.id, response, call.signal);
    return createChatStream(parts, converted.warnings, this.metadata(response, null));
  }

  async createEmbeddings(call: EmbeddingCall): Promise<EmbeddingResult> {
    const body = { ...call.request, model: call.upstreamModel };
    const response = await this.post(this.buildUrl(call.upstreamModel, 'embeddings'), body, call, 'application/json');
    const { body: parsed, usage } = await readOpenAIEmbeddings(this.id, response, call.signal);
    return { body: parsed, usage, warnings: [], upstream: this.metadata(response, parsed.model) };
  }

  /**
   * Posts a chat request. When the deployment rejects `stream_options` or `max_completion_tokens` as unrecognized
   * (older API or model versions), the request is sent again without them and the deployment is remembered.
   */
  private async postChat(
    call: ChatCall,
    stream: boolean,
  ): Promise<{ response: UpstreamResponse; converted: ConvertedRequest }> {
    const deployment = call.upstreamModel;
    const url = this.buildUrl(deployment, 'chat/completions');
    const accept = stream ? 'text/event-stream' : 'application/json';
    for (let attempt = 0; ; attempt += 1) {
      const rejected = this.rejectedParameters.get(deployment);
      const converted = convertToAzureRequest(call.request, {
        deployment,
        stream,
        apiVersion: this.apiVersion,
        rejected,
        reasoningModel: call.reasoningModel,
      });
      try {
        return { response: await this.post(url, converted.body, call, accept), converted };
      } catch (error) {
        const newlyRejected = findUnrecognizedParameters(error).filter((parameter) => parameter in converted.body);
        // Each retry leaves out at least one more of the two downgradable parameters, so two retries are the most.
        if (newlyRejected.length === 0 || attempt >= 2) throw error;
        this.rejectedParameters.set(deployment, new Set([...(rejected ?? []), ...newlyRejected]));
      }
    }
  }

  private async buildAuthHeaders(): Promise<Record<string, string>> {
    const { apiKey, adToken, adTokenProvider } = this.options;
    if (apiKey !== undefined) return { 'api-key': apiKey };
    if (adTokenProvider === undefined) return adToken === undefined ? {} : { authorization: `Bearer ${adToken}` };
    try {
      return { authorization: `Bearer ${await adTokenProvider()}` };
    } catch (error) {
      const message = `could not get a Microsoft Entra ID token: ${error instanceof Error ? error.message : String(error)}`;
      throw new UpstreamError('upstream_unavailable', { provider: this.id, upstreamStatus: null, message, cause: error });
    }
  }

  private async post(url: URL, body: unknown, call: CallContext, accept: string): Promise<UpstreamResponse> {
    const headers = { ...this.headers, accept, ...(await this.buildAuthHeaders()) };
    const request = { provider: this.id, url, headers, body: JSON.stringify(body), signal: call.signal, timeoutMs: this.options.timeoutMs };
    return sendRequest(this.options.http, request, (response) => createStatusError(this.id, response, call.signal, parseAzureError));
  }

  private metadata(response: UpstreamResponse, model: string | null): UpstreamMetadata {
    // apim-request-id is the id Azure support asks for; x-request-id is not always sent.
    const requestId = headerValue(response.headers, 'apim-request-id') ?? headerValue(response.headers, 'x-request-id');
    return { status: response.status, requestId, model };
  }
}

/** Returns the body itself when every choice has `content`, otherwise a copy with `content: null` where it was missing. */
function fillMissingContent(body: AzureChatCompletion): ChatCompletionResponse {
  if (body.choices.every((choice) => choice.message.content !== undefined)) return body as ChatCompletionResponse;
  const choices = body.choices.map((choice) => ({ ...choice, message: { ...choice.message, content: choice.message.content ?? null } }));
  return { ...body, choices };
}
