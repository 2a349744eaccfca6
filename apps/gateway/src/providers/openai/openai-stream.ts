import { chatCompletionChunkSchema, type ChatCompletionChunk } from '@arbiter/shared';
import { z } from 'zod';
import type { UpstreamResponse } from '../shared/http-client.js';
import { parseStreamEvent } from '../shared/parse-stream-event.js';
import type { ChatStreamPart } from '../shared/provider-adapter.js';
import { readServerSentEvents } from '../shared/sse.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { parseOpenAIError } from './map-openai-error.js';

const streamEventSchema = z.union([chatCompletionChunkSchema, z.looseObject({ error: z.unknown() })]);

/**
 * Turns an OpenAI chat-completions SSE stream into stream parts. Usage is taken from whichever chunk carries it —
 * also when that chunk carries content — and is removed from the chunk, so the gateway decides whether the client
 * sees it. A stream that ends without `[DONE]` or that carries an error event ends with an UpstreamError.
 */
export async function* transformOpenAIStream(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
): AsyncGenerator<ChatStreamPart> {
  for await (const data of readOpenAIStreamData(provider, response, signal)) {
    const event = parseStreamEvent(provider, data, streamEventSchema, response.status);
    if (!('object' in event)) {
      const details = parseOpenAIError(event);
      throw new UpstreamError('upstream_error', {
        provider,
        upstreamStatus: 500,
        message: details?.message ?? 'error event in stream',
        upstreamCode: details?.code ?? null,
      });
    }
    yield* convertChunk(event as ChatCompletionChunk, data);
  }
}

/**
 * The data of every event of an OpenAI-protocol stream (OpenAI, Azure, compatible servers) up to `[DONE]`. A stream
 * that ends without `[DONE]` ends with an UpstreamError; what follows `[DONE]` is drained so the connection goes back
 * to the pool.
 */
export async function* readOpenAIStreamData(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
): AsyncGenerator<string> {
  let done = false;
  for await (const message of readServerSentEvents(provider, response, signal)) {
    const data = message.data.trim();
    if (data === '') continue;
    if (data === '[DONE]') {
      done = true;
      break;
    }
    yield data;
  }
  if (!done) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: response.status,
      message: 'the stream ended before [DONE]',
    });
  }
  await response.body.dump().catch(() => undefined);
}

/** One chunk → a usage part (when it carries usage) and the chunk without it (when it has choices). */
export function convertChunk(chunk: ChatCompletionChunk, data: string): ChatStreamPart[] {
  const parts: ChatStreamPart[] = [];
  if (chunk.usage != null) {
    parts.push({ type: 'usage', usage: convertOpenAIUsage(chunk.usage), wire: chunk.usage });
  }
  if (chunk.choices.length === 0) return parts;
  if (chunk.usage != null) {
    const { usage: _usage, ...withoutUsage } = chunk;
    parts.push({ type: 'chunk', chunk: withoutUsage as ChatCompletionChunk });
  } else {
    // No usage to take out: the upstream's bytes go to the client as they came.
    parts.push({ type: 'chunk', chunk, raw: data });
  }
  return parts;
}
