import { randomUUID } from 'node:crypto';
import { GatewayError } from '@arbiter/shared';
import { headerValue, readJsonBody, sendRequest, type HttpClient, type UpstreamResponse } from '../shared/http-client.js';
import {
  createChatStream,
  createUsage,
  type CallContext,
  type ChatCall,
  type ChatResult,
  type ChatStream,
  type EmbeddingCall,
  type EmbeddingResult,
  type ProviderAdapter,
  type UpstreamMetadata,
} from '../shared/provider-adapter.js';
import { bedrockConverseResponseSchema, titanEmbeddingResponseSchema, type TitanEmbeddingResponse } from './bedrock-api.js';
import { transformBedrockStream } from './bedrock-stream.js';
import { convertTitanResponses, convertToTitanRequests } from './convert-bedrock-embeddings.js';
import { convertBedrockResponse } from './convert-bedrock-response.js';
import { convertToBedrockRequest } from './convert-to-bedrock-request.js';
import { createBedrockStatusError } from './map-bedrock-error.js';
import { signBedrockRequest, type AwsCredentials } from './sign-bedrock-request.js';

export interface BedrockAdapterOptions {
  id: string;
  /** The AWS region of the runtime endpoint and of the signature, e.g. `us-east-1`. */
  region: string;
  /** Undefined when no credentials are configured: the adapter then reports AWS_ACCESS_KEY_ID as missing. */
  credentials: AwsCredentials | undefined;
  /** Base URL override (the emulator, a VPC endpoint); default `https://bedrock-runtime.{region}.amazonaws.com`. */
  endpoint?: string;
  timeoutMs: number;
  http: HttpClient;
}

type Operation = 'converse' | 'converse-stream' | 'invoke';

/** Titan embeds one text per call; a batch is sent this many calls at a time. */
const embeddingConcurrency = 4;

/**
 * Amazon Bedrock's runtime API: chat through Converse and ConverseStream (every model family Bedrock serves, in one
 * wire format), embeddings through InvokeModel for Amazon Titan Text Embeddings. Requests are signed with SigV4.
 */
export class BedrockAdapter implements ProviderAdapter {
  readonly specificationVersion = 'v1';
  readonly kind = 'bedrock';
  readonly id: string;
  private readonly baseUrl: string;

  constructor(private readonly options: BedrockAdapterOptions) {
    this.id = options.id;
    this.baseUrl = (options.endpoint ?? `https://bedrock-runtime.${options.region}.amazonaws.com`).replace(/\/+$/, '');
  }

  missingCredential(): string | null {
    return this.options.credentials === undefined ? 'AWS_ACCESS_KEY_ID' : null;
  }

  async createChatCompletion(call: ChatCall): Promise<ChatResult> {
    const converted = convertToBedrockRequest(call.request, { upstreamModel: call.upstreamModel, maxOutputTokens: call.maxOutputTokens });
    const response = await this.post('converse', converted.body, call);
    const parsed = await readJsonBody(this.id, response, bedrockConverseResponseSchema, call.signal);
    const upstream = this.metadata(response, call.upstreamModel);
    const result = convertBedrockResponse(parsed, {
      id: completionId(upstream),
      model: call.upstreamModel,
      responseToolName: converted.responseToolName,
    });
    return { body: result.body, usage: result.usage, finishReason: result.finishReason, warnings: converted.warnings, upstream };
  }

  async streamChatCompletion(call: ChatCall): Promise<ChatStream> {
    const converted = convertToBedrockRequest(call.request, { upstreamModel: call.upstreamModel, maxOutputTokens: call.maxOutputTokens });
    const response = await this.post('converse-stream', converted.body, call);
    const upstream = this.metadata(response, call.upstreamModel);
    const parts = transformBedrockStream(this.id, response, call.signal, {
      id: completionId(upstream),
      model: call.upstreamModel,
      responseToolName: converted.responseToolName,
    });
    return createChatStream(parts, converted.warnings, upstream);
  }

  async createEmbeddings(call: EmbeddingCall): Promise<EmbeddingResult> {
    const { bodies, warnings } = convertToTitanRequests(call.request, call.upstreamModel);
    // The first failure stops the calls still to be made and cancels those in flight.
    const controller = new AbortController();
    const signal = AbortSignal.any([call.signal, controller.signal]);
    const responses: TitanEmbeddingResponse[] = new Array<TitanEmbeddingResponse>(bodies.length);
    let next = 0;
    const answered: UpstreamResponse[] = [];
    const worker = async (): Promise<void> => {
      while (next < bodies.length) {
        signal.throwIfAborted();
        const index = next++;
        const response = await this.post('invoke', bodies[index], { ...call, signal });
        responses[index] = await readJsonBody(this.id, response, titanEmbeddingResponseSchema, signal);
        answered.push(response);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(embeddingConcurrency, bodies.length) }, worker));
    } catch (error) {
      controller.abort(error);
      throw error;
    }
    const body = convertTitanResponses(responses, call.request, call.upstreamModel);
    const last = answered.at(-1);
    return {
      body,
      usage: createUsage({ total: body.usage.prompt_tokens }, { total: 0 }),
      warnings,
      upstream: last === undefined ? { status: 200, requestId: null, model: call.upstreamModel } : this.metadata(last, call.upstreamModel),
    };
  }

  private async post(operation: Operation, body: unknown, call: CallContext): Promise<UpstreamResponse> {
    const credentials = this.options.credentials;
    if (credentials === undefined) {
      throw new GatewayError('provider_not_configured', { message: `provider ${this.id}: AWS_ACCESS_KEY_ID is not set` });
    }
    // The model id is one path segment: `anthropic.claude-3-haiku-20240307-v1:0` → `…v1%3A0`, an ARN's `/` → `%2F`.
    const url = new URL(`${this.baseUrl}/model/${encodeURIComponent(call.upstreamModel)}/${operation}`);
    const text = JSON.stringify(body);
    // ConverseStream answers in application/vnd.amazon.eventstream; like the AWS SDKs, we ask for no type there.
    const accept: Record<string, string> = operation === 'converse-stream' ? {} : { accept: 'application/json' };
    const headers = await signBedrockRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json', ...accept }, body: text },
      { credentials, region: this.options.region },
    );
    const request = { provider: this.id, url, headers, body: text, signal: call.signal, timeoutMs: this.options.timeoutMs };
    return sendRequest(this.options.http, request, (response) => createBedrockStatusError(this.id, response, call.signal));
  }

  private metadata(response: UpstreamResponse, model: string): UpstreamMetadata {
    return { status: response.status, requestId: headerValue(response.headers, 'x-amzn-requestid'), model };
  }
}

/** Bedrock responses carry no id; the AWS request id identifies the call (and is what AWS support asks for). */
function completionId(upstream: UpstreamMetadata): string {
  return `chatcmpl-${upstream.requestId ?? randomUUID()}`;
}
