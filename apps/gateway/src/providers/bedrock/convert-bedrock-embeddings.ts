import { GatewayError, type EmbeddingRequest, type EmbeddingResponse } from '@arbiter/shared';
import type { TitanEmbeddingRequestBody, TitanEmbeddingResponse } from './bedrock-api.js';

export interface ConvertedTitanRequests {
  /** One InvokeModel body per input string: Titan Text Embeddings embed one text per call. */
  bodies: TitanEmbeddingRequestBody[];
  warnings: string[];
}

/** Amazon Titan Text Embeddings v1 (`amazon.titan-embed-text-v1`) and v2 (`amazon.titan-embed-text-v2:0`). */
export function isTitanTextEmbeddingModel(modelId: string): boolean {
  return /(^|[./])amazon\.titan-embed-text-v[12]/.test(modelId);
}

/**
 * OpenAI embeddings request → Titan InvokeModel bodies. OpenAI's embeddings are unit length, so v2 is asked to
 * normalise (its default too, sent explicitly); v1 takes neither `dimensions` nor `normalize` (and its vectors are
 * not normalised).
 */
export function convertToTitanRequests(request: EmbeddingRequest, modelId: string): ConvertedTitanRequests {
  if (!isTitanTextEmbeddingModel(modelId)) {
    throw new GatewayError('method_not_supported', {
      message: `embeddings through Bedrock support Amazon Titan Text Embeddings (amazon.titan-embed-text-v1, -v2:0) only, not ${modelId}`,
    });
  }
  const inputs = typeof request.input === 'string' ? [request.input] : request.input;
  const texts = inputs.map((input, index) => {
    if (typeof input !== 'string') {
      throw new GatewayError('invalid_request', {
        param: typeof request.input === 'string' ? 'input' : `input[${index}]`,
        message: 'Titan embeds text only; token arrays cannot be sent to Bedrock',
      });
    }
    return input;
  });
  const warnings: string[] = [];
  const v2 = modelId.includes('titan-embed-text-v2');
  if (request.dimensions !== undefined && !v2) warnings.push('dimensions is not supported by Titan Text Embeddings v1 and was not sent');
  if (request.user !== undefined && request.user !== '') warnings.push('user is not supported by Bedrock and was not sent');
  const bodies = texts.map((inputText): TitanEmbeddingRequestBody => {
    if (!v2) return { inputText };
    return request.dimensions === undefined ? { inputText, normalize: true } : { inputText, dimensions: request.dimensions, normalize: true };
  });
  return { bodies, warnings };
}

/**
 * Titan responses (in input order) → one OpenAI embeddings list. `encoding_format: base64` is produced here, as
 * OpenAI does it: the float32 little-endian bytes of the vector, base64-encoded.
 */
export function convertTitanResponses(
  responses: readonly TitanEmbeddingResponse[],
  request: EmbeddingRequest,
  model: string,
): EmbeddingResponse {
  const tokens = responses.reduce((sum, response) => sum + response.inputTextTokenCount, 0);
  return {
    object: 'list',
    data: responses.map((response, index) => ({
      object: 'embedding',
      index,
      embedding: request.encoding_format === 'base64' ? toBase64Floats(response.embedding) : response.embedding,
    })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function toBase64Floats(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
