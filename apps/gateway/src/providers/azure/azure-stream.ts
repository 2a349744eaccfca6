import { chatCompletionChunkSchema, type ChatCompletionChunk, type FinishReason } from '@arbiter/shared';
import { convertChunk, readOpenAIStreamData } from '../openai/openai-stream.js';
import { currentTimestamp } from '../shared/create-chat-chunk.js';
import type { UpstreamResponse } from '../shared/http-client.js';
import { createInvalidStreamEventError, parseStreamEventJson } from '../shared/parse-stream-event.js';
import type { ChatStreamPart } from '../shared/provider-adapter.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { azureAnnotationEventSchema, azureStreamErrorSchema } from './azure-api.js';
import { parseAzureError } from './map-azure-error.js';

type AzureStreamEvent =
  | { kind: 'chunk'; chunk: ChatCompletionChunk }
  | { kind: 'error'; json: unknown }
  | { kind: 'closing-annotation'; index: number; finishReason: FinishReason; contentFilterResults: unknown }
  | { kind: 'annotation' };

/**
 * Turns an Azure OpenAI chat-completions SSE stream into stream parts. The chunks are OpenAI's (forwarded as they
 * came, `content_filter_results` included), with two Azure additions that are not chunks and are not forwarded: the
 * prompt-filter event Azure sends first (`choices: []`, empty `id`/`model`/`object`) and the annotation events of the
 * asynchronous filter. An annotation that ends a choice (`finish_reason: content_filter`) becomes a closing chunk.
 */
export async function* transformAzureStream(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
): AsyncGenerator<ChatStreamPart> {
  let previous: ChatCompletionChunk | null = null;
  for await (const data of readOpenAIStreamData(provider, response, signal)) {
    const event = parseEvent(provider, data, response.status);
    if (event.kind === 'error') throw createStreamError(provider, event.json);
    if (event.kind === 'annotation') continue;
    if (event.kind === 'closing-annotation') {
      yield { type: 'chunk', chunk: createClosingChunk(previous, event) };
      continue;
    }
    previous = event.chunk;
    yield* convertChunk(event.chunk, data);
  }
}

function parseEvent(provider: string, data: string, status: number): AzureStreamEvent {
  const json = parseStreamEventJson(provider, data, status);
  const chunk = chatCompletionChunkSchema.safeParse(json);
  if (chunk.success) return { kind: 'chunk', chunk: chunk.data };
  if (azureStreamErrorSchema.safeParse(json).success) return { kind: 'error', json };
  const annotation = azureAnnotationEventSchema.safeParse(json);
  if (!annotation.success || annotation.data.object === 'chat.completion.chunk') {
    // A real chunk that failed its schema: report the chunk schema's complaint, it is the useful one.
    throw createInvalidStreamEventError(provider, chunk.error, status);
  }
  const closing = annotation.data.choices?.find((choice) => choice.finish_reason != null);
  if (closing?.finish_reason == null) return { kind: 'annotation' };
  return {
    kind: 'closing-annotation',
    index: closing.index ?? 0,
    finishReason: closing.finish_reason,
    contentFilterResults: closing.content_filter_results,
  };
}

function createClosingChunk(
  previous: ChatCompletionChunk | null,
  event: Extract<AzureStreamEvent, { kind: 'closing-annotation' }>,
): ChatCompletionChunk {
  const choice = { index: event.index, delta: {}, finish_reason: event.finishReason, logprobs: null };
  return {
    id: previous?.id ?? '',
    object: 'chat.completion.chunk',
    created: previous?.created ?? currentTimestamp(),
    model: previous?.model ?? '',
    choices: [event.contentFilterResults === undefined ? choice : { ...choice, content_filter_results: event.contentFilterResults }],
  };
}

/** An error event inside a 200 stream; a content-filter rejection keeps its 400 so it is not retried. */
function createStreamError(provider: string, json: unknown): UpstreamError {
  const details = parseAzureError(json);
  return new UpstreamError('upstream_error', {
    provider,
    upstreamStatus: details?.code === 'content_filter' ? 400 : 500,
    message: details?.message ?? 'error event in stream',
    upstreamType: details?.type ?? null,
    upstreamCode: details?.code ?? null,
  });
}
