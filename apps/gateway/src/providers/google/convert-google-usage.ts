import type { NormalizedUsage } from '@arbiter/shared';
import { createUsage } from '../shared/provider-adapter.js';
import type { GoogleUsageMetadata } from './google-api.js';

/**
 * Google counts cached input inside `promptTokenCount` (`cachedContentTokenCount` is the part read from a context
 * cache) and reports thinking apart from the answer: `candidatesTokenCount` excludes `thoughtsTokenCount`, and both
 * are billed as output. Checked on every recorded response: totalTokenCount = prompt + candidates + thoughts
 * (google-text.json 9 + 28 + 244 = 281, google-tool-call.json 29 + 15 + 893 = 937, the Vertex nested tool stream
 * 31 + 684 + 1026 = 1741). Counts a response leaves out (a blocked answer has no candidates) are 0.
 */
export function convertGoogleUsage(usage: GoogleUsageMetadata): NormalizedUsage {
  const prompt = usage.promptTokenCount ?? 0;
  const cacheRead = Math.min(usage.cachedContentTokenCount ?? 0, prompt);
  const text = usage.candidatesTokenCount ?? 0;
  const reasoning = usage.thoughtsTokenCount ?? 0;
  return createUsage(
    { total: prompt, noCache: prompt - cacheRead, cacheRead, cacheWrite: 0 },
    { total: text + reasoning, text, reasoning },
  );
}

/** Whether usage metadata carries any count (mid-stream events of Vertex may carry only `trafficType`). */
export function hasTokenCounts(usage: GoogleUsageMetadata | null | undefined): usage is GoogleUsageMetadata {
  if (usage == null) return false;
  return [usage.promptTokenCount, usage.candidatesTokenCount, usage.thoughtsTokenCount, usage.totalTokenCount].some(
    (count) => typeof count === 'number',
  );
}
