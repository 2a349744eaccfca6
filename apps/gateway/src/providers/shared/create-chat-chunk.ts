import type { ChatCompletionChunk, FinishReason } from '@arbiter/shared';
import type { ChatStreamPart } from './provider-adapter.js';

export type ChunkDelta = ChatCompletionChunk['choices'][number]['delta'];

/** What every chunk of one streamed completion repeats. */
export interface ChunkIdentity {
  id: string;
  /** Seconds since the epoch. */
  created: number;
  model: string;
}

/** One OpenAI chunk with one choice, as a stream part: how converters of other wire formats emit their output. */
export function createChunkPart(
  identity: ChunkIdentity,
  delta: ChunkDelta,
  finishReason: FinishReason | null = null,
  index = 0,
): ChatStreamPart {
  const chunk: ChatCompletionChunk = {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    choices: [{ index, delta, finish_reason: finishReason }],
  };
  return { type: 'chunk', chunk };
}

/** Seconds since the epoch, for `created` when the upstream gives no timestamp. */
export function currentTimestamp(): number {
  return Math.floor(Date.now() / 1000);
}
