import type { ChatCompletionChunk, NormalizedUsage } from '@arbiter/shared';
import type { ChatStreamPart } from '../provider-adapter.js';

/** For adapter tests only: what a client reassembles from a stream of parts (choice 0). */
export interface CollectedStream {
  parts: ChatStreamPart[];
  text: string;
  reasoning: string;
  /** `fragments` counts the pieces the arguments came in, when asked for. */
  toolCalls: { id?: string; name?: string; arguments: string; fragments?: number }[];
  finishReasons: unknown[];
  usage: NormalizedUsage[];
}

/** `checkChunk` sees every chunk first (tests check it against the shared schema). */
export async function collectStream(
  stream: AsyncIterable<ChatStreamPart>,
  checkChunk: (chunk: ChatCompletionChunk) => void,
  options: { countFragments?: boolean } = {},
): Promise<CollectedStream> {
  const collected: CollectedStream = { parts: [], text: '', reasoning: '', toolCalls: [], finishReasons: [], usage: [] };
  for await (const part of stream) {
    collected.parts.push(part);
    if (part.type === 'usage') {
      collected.usage.push(part.usage);
      continue;
    }
    checkChunk(part.chunk);
    const choice = part.chunk.choices[0];
    collected.text += choice?.delta.content ?? '';
    collected.reasoning += choice?.delta.reasoning_content ?? '';
    for (const call of choice?.delta.tool_calls ?? []) {
      const entry = (collected.toolCalls[call.index] ??= options.countFragments === true ? { arguments: '', fragments: 0 } : { arguments: '' });
      if (call.id !== undefined) entry.id = call.id;
      if (call.function?.name !== undefined) entry.name = call.function.name;
      if (entry.fragments !== undefined && call.function?.arguments) entry.fragments += 1;
      entry.arguments += call.function?.arguments ?? '';
    }
    if (choice?.finish_reason != null) collected.finishReasons.push(choice.finish_reason);
  }
  return collected;
}

/** Drains a stream, returning the parts it yielded before it failed and the error. */
export async function collectUntilError(stream: AsyncIterable<ChatStreamPart>): Promise<{ parts: ChatStreamPart[]; error: unknown }> {
  const parts: ChatStreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
  } catch (error) {
    return { parts, error };
  }
  throw new Error('expected the stream to fail');
}
