import type { NormalizedUsage } from '@arbiter/shared';
import { createUsage } from '../shared/provider-adapter.js';
import type { BedrockUsage } from './bedrock-api.js';

/**
 * Bedrock's `inputTokens` counts only the input that was neither read from nor written to a prompt cache, as
 * Anthropic's `input_tokens` does, so the input total is the sum of the three. Verified on
 * test_bedrock_cache_write_and_read.yaml (Claude Sonnet 4.5): the first call reports inputTokens 2,
 * cacheWriteInputTokens 1322, outputTokens 5 and totalTokens 1329 = 2 + 1322 + 5; the second the same with
 * cacheReadInputTokens 1322. Reasoning tokens are not reported apart from `outputTokens`: they are billed as output,
 * so `reasoning` stays 0 and the whole output counts as text.
 */
export function convertBedrockUsage(usage: BedrockUsage): NormalizedUsage {
  const noCache = usage.inputTokens;
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  return createUsage(
    { total: noCache + cacheRead + cacheWrite, noCache, cacheRead, cacheWrite },
    { total: usage.outputTokens, reasoning: 0 },
  );
}
