import { chatCompletionChunkSchema, type ChatCompletionChunk } from '@arbiter/shared';
import { z } from 'zod';
import type { UpstreamResponse } from '../shared/http-client.js';
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
  let done = false;
  for await (const message of readServerSentEvents(provider, response, signal)) {
    const data = message.data.trim();
    if (data === '') continue;
    if (data === '[DONE]') {
      done = true;
      break;
    }
    const event = parseEvent(provider, data);
    if (!('object' in event)) {
      const details = parseOpenAIError(event);
      throw new UpstreamError('upstream_error', {
        provider,
        upstreamStatus: 500,
        message: details?.message ?? 'error event in stream',
        upstreamCode: details?.code ?? null,
      });
    }
    const chunk = event as ChatCompletionChunk;
    if (chunk.usage != null) {
      yield { type: 'usage', usage: convertOpenAIUsage(chunk.usage), wire: chunk.usage };
    }
    if (chunk.choices.length > 0) {
      if (chunk.usage != null) {
        const { usage: _usage, ...withoutUsage } = chunk;
        yield { type: 'chunk', chunk: withoutUsage as ChatCompletionChunk };
      } else {
        // No usage to take out: the upstream's bytes go to the client as they came.
        yield { type: 'chunk', chunk, raw: data };
      }
    }
  }
  if (!done) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: response.status,
      message: 'the stream ended before [DONE]',
    });
  }
  // Drain whatever follows [DONE] so the connection goes back to the pool.
  await response.body.dump().catch(() => undefined);
}

function parseEvent(provider: string, data: string): z.infer<typeof streamEventSchema> {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (error) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: 200,
      message: `a stream event is not JSON (${data.slice(0, 120)})`,
      cause: error,
    });
  }
  const result = streamEventSchema.safeParse(json);
  if (!result.success) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: 200,
      message: `unexpected stream event shape: ${result.error.issues[0]?.message ?? ''}`,
      cause: result.error,
    });
  }
  return result.data;
}
