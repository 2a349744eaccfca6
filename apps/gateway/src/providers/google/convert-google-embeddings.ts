import { GatewayError, type EmbeddingRequest, type EmbeddingResponse, type NormalizedUsage } from '@arbiter/shared';
import { createUsage } from '../shared/provider-adapter.js';
import { UpstreamError } from '../shared/upstream-error.js';
import type { GoogleBatchEmbedResponse, VertexEmbeddingPredictResponse } from './google-api.js';

export interface GoogleBatchEmbedRequestBody {
  requests: { model: string; content: { parts: [{ text: string }] }; outputDimensionality?: number }[];
}

export interface VertexPredictRequestBody {
  instances: { content: string }[];
  parameters?: { outputDimensionality: number };
}

export interface ConvertedEmbeddingRequest<Body> {
  body: Body;
  /** How many embeddings the response must hold. */
  inputCount: number;
  warnings: string[];
}

export interface ConvertedEmbeddingResponse {
  body: EmbeddingResponse;
  /** Null when Google reports no counts (the Gemini API never does): the gateway then estimates. */
  usage: NormalizedUsage | null;
}

/** OpenAI embeddings request → Gemini API `:batchEmbedContents` (one request per input text). */
export function convertToGoogleBatchEmbedRequest(request: EmbeddingRequest, upstreamModel: string): ConvertedEmbeddingRequest<GoogleBatchEmbedRequestBody> {
  const inputs = readTextInputs(request);
  const model = `models/${upstreamModel}`;
  const requests = inputs.map((text) => ({
    model,
    content: { parts: [{ text }] as [{ text: string }] },
    ...(request.dimensions === undefined ? {} : { outputDimensionality: request.dimensions }),
  }));
  return { body: { requests }, inputCount: inputs.length, warnings: collectWarnings(request) };
}

/** OpenAI embeddings request → Vertex AI `:predict` on a text-embedding model. */
export function convertToVertexPredictRequest(request: EmbeddingRequest): ConvertedEmbeddingRequest<VertexPredictRequestBody> {
  const inputs = readTextInputs(request);
  const body: VertexPredictRequestBody = { instances: inputs.map((content) => ({ content })) };
  if (request.dimensions !== undefined) body.parameters = { outputDimensionality: request.dimensions };
  return { body, inputCount: inputs.length, warnings: collectWarnings(request) };
}

export function convertGoogleBatchEmbedResponse(
  response: GoogleBatchEmbedResponse,
  request: EmbeddingRequest,
  context: { provider: string; model: string; inputCount: number },
): ConvertedEmbeddingResponse {
  const vectors = response.embeddings.map((embedding) => embedding.values);
  return { body: createEmbeddingBody(vectors, request, context, 0), usage: null };
}

/** Vertex counts tokens per input (`statistics.token_count`); their sum is the prompt's size. */
export function convertVertexEmbeddingResponse(
  response: VertexEmbeddingPredictResponse,
  request: EmbeddingRequest,
  context: { provider: string; model: string; inputCount: number },
): ConvertedEmbeddingResponse {
  const vectors = response.predictions.map((prediction) => prediction.embeddings.values);
  const tokens = response.predictions.reduce((sum, prediction) => sum + (prediction.embeddings.statistics?.token_count ?? 0), 0);
  return { body: createEmbeddingBody(vectors, request, context, tokens), usage: createUsage({ total: tokens }, { total: 0 }) };
}

function createEmbeddingBody(
  vectors: number[][],
  request: EmbeddingRequest,
  context: { provider: string; model: string; inputCount: number },
  tokens: number,
): EmbeddingResponse {
  if (vectors.length !== context.inputCount) {
    throw new UpstreamError('upstream_invalid_response', {
      provider: context.provider,
      upstreamStatus: 200,
      message: `expected ${context.inputCount} embeddings, got ${vectors.length}`,
    });
  }
  return {
    object: 'list',
    data: vectors.map((values, index) => ({
      object: 'embedding',
      index,
      embedding: request.encoding_format === 'base64' ? encodeFloat32(values) : values,
    })),
    model: context.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** What OpenAI sends for `encoding_format: base64`: the float32 values, little-endian, base64-encoded. */
function encodeFloat32(values: number[]): string {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString('base64');
}

/** Google embeds text only; token-id inputs (which only OpenAI's tokenizer defines) cannot be sent. */
function readTextInputs(request: EmbeddingRequest): string[] {
  const { input } = request;
  if (typeof input === 'string') return [input];
  if (input.every((item): item is string => typeof item === 'string')) return input;
  throw new GatewayError('invalid_request', {
    param: 'input',
    message: 'Google embedding models accept text only; token-id arrays cannot be sent',
  });
}

function collectWarnings(request: EmbeddingRequest): string[] {
  return request.user !== undefined && request.user !== '' ? ['user is not supported by Google and was not sent'] : [];
}
