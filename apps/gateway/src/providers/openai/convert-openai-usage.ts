import type { NormalizedUsage, OpenAIUsage } from '@arbiter/shared';
import { createUsage } from '../shared/provider-adapter.js';

/**
 * OpenAI reports cached input inside `prompt_tokens` and reasoning inside `completion_tokens`; we split both out so
 * that each part is priced at its own rate. OpenAI has no cache-write charge.
 */
export function convertOpenAIUsage(usage: OpenAIUsage): NormalizedUsage {
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return createUsage(
    { total: usage.prompt_tokens, cacheRead, cacheWrite: 0, noCache: Math.max(0, usage.prompt_tokens - cacheRead) },
    { total: usage.completion_tokens, reasoning, text: Math.max(0, usage.completion_tokens - reasoning) },
  );
}

/** The inverse, for chunks and bodies the gateway builds itself (e.g. converted Anthropic usage). */
export function convertToOpenAIUsage(usage: NormalizedUsage): OpenAIUsage {
  return {
    prompt_tokens: usage.input.total,
    completion_tokens: usage.output.total,
    total_tokens: usage.input.total + usage.output.total,
    prompt_tokens_details: { cached_tokens: usage.input.cacheRead },
    completion_tokens_details: { reasoning_tokens: usage.output.reasoning },
  };
}
