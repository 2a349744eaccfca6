/**
 * Delay before attempt `attempt` (1-based retry count): exponential with full jitter, or the upstream's Retry-After
 * when it asked for one (never more than `maxDelayMs`: a longer wait falls over to the next target instead).
 */
export function computeBackoff(attempt: number, retryAfterSeconds: number | null, baseDelayMs: number, maxDelayMs: number, random = Math.random): number {
  if (retryAfterSeconds !== null) return Math.min(maxDelayMs, retryAfterSeconds * 1000);
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
