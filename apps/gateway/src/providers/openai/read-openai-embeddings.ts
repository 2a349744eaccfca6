import { embeddingResponseSchema, type EmbeddingResponse, type NormalizedUsage } from '@arbiter/shared';
import { readJsonBody, type UpstreamResponse } from '../shared/http-client.js';
import { createUsage } from '../shared/provider-adapter.js';

/** An OpenAI-protocol embeddings response (OpenAI, Azure, compatible servers): the body as it came, and its usage. */
export async function readOpenAIEmbeddings(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
): Promise<{ body: EmbeddingResponse; usage: NormalizedUsage }> {
  const body = await readJsonBody(provider, response, embeddingResponseSchema, signal);
  return { body, usage: createUsage({ total: body.usage.prompt_tokens }, { total: 0 }) };
}
