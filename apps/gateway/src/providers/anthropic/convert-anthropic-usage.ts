import type { NormalizedUsage } from '@arbiter/shared';
import { createUsage } from '../shared/provider-adapter.js';
import type { AnthropicUsage } from './anthropic-api.js';

/**
 * Anthropic reports the three kinds of input separately (`input_tokens` is only the uncached part), so the total is
 * their sum. Thinking tokens are not reported apart from `output_tokens`: they are billed as output at the same
 * price, so `reasoning` stays 0 and the whole output counts as text; cost is still right.
 */
export function convertAnthropicUsage(usage: AnthropicUsage): NormalizedUsage {
  const noCache = usage.input_tokens;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return createUsage(
    { total: noCache + cacheRead + cacheWrite, noCache, cacheRead, cacheWrite },
    { total: usage.output_tokens, reasoning: 0 },
  );
}
