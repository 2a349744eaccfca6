import type { ChatCompletionRequest, ChatMessage, NormalizedUsage } from '@arbiter/shared';
import { createUsage } from '../providers/shared/provider-adapter.js';

/** Per-message framing tokens in OpenAI's chat format (role and separators), as OpenAI's cookbook counts them. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

type CountTokens = (text: string) => number;
let tokenizer: Promise<CountTokens> | null = null;

/** The tokenizer's tables take ~70 MB: loaded on the first estimate, not at start-up (most upstreams report usage). */
function loadTokenizer(): Promise<CountTokens> {
  tokenizer ??= import('gpt-tokenizer').then((module) => module.countTokens as CountTokens);
  return tokenizer;
}

/**
 * Counts tokens locally (o200k_base) when the upstream reported none. The record marks such usage `estimated`;
 * it is never presented as the provider's own count.
 */
export async function estimateUsage(request: ChatCompletionRequest, outputText: string): Promise<NormalizedUsage> {
  const countTokens = await loadTokenizer();
  let input = TOKENS_PER_REPLY;
  for (const message of request.messages) input += TOKENS_PER_MESSAGE + countTokens(messageText(message));
  if (request.tools !== undefined) input += countTokens(JSON.stringify(request.tools));
  return createUsage({ total: input, noCache: input }, { total: countTokens(outputText) });
}

export async function estimateEmbeddingUsage(input: string | string[] | number[] | number[][]): Promise<NormalizedUsage> {
  const countTokens = await loadTokenizer();
  const total = typeof input === 'string'
    ? countTokens(input)
    : input.reduce<number>((sum, item) => sum + (typeof item === 'string' ? countTokens(item) : Array.isArray(item) ? item.length : 1), 0);
  return createUsage({ total, noCache: total }, { total: 0 });
}

function messageText(message: ChatMessage): string {
  const parts: string[] = [];
  const content = message.content;
  if (typeof content === 'string') parts.push(content);
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (part.type === 'text') parts.push(part.text);
      else if (part.type === 'refusal') parts.push(part.refusal);
    }
  }
  if (message.role === 'assistant' && message.tool_calls !== undefined) {
    for (const call of message.tool_calls) parts.push(call.function.name, call.function.arguments);
  }
  return parts.join('\n');
}
