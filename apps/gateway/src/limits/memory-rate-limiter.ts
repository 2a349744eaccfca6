import {
  buildDecision,
  computeCeiling,
  computeOldestBucket,
  measureWindow,
  resolveWindowShape,
  validateAdmitInput,
  validateTokens,
  type AdmitInput,
  type Bucket,
  type MeasuredWindow,
  type RateLimitDecision,
  type RateLimiter,
  type WindowOptions,
  type WindowShape,
} from './rate-limiter.js';

export interface MemoryRateLimiterOptions extends WindowOptions {
  /** The clock in ms; tests inject their own. */
  now?: () => number;
}

/** One window's buckets with their running total and newest start, so a check reads two numbers. */
interface WindowBuckets {
  /** Bucket start → count. */
  counts: Map<number, number>;
  /** The sum of `counts`. */
  sum: number;
  /** The newest bucket start (the reset). */
  newest: number;
  /** Every bucket below it has been dropped. */
  floor: number;
}

/**
 * The embedded default: one process holds the windows, so each call is atomic by running without an await. Each
 * window keeps its total and its newest bucket (as the Redis script keeps `sum` and `last`): the buckets themselves
 * are only read to drop the ones that left the window, and to compute the retry time of a refusal.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly shape: WindowShape;
  private readonly now: () => number;
  private readonly windows = new Map<string, WindowBuckets>();
  private lastSweep: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.shape = resolveWindowShape(options);
    this.now = options.now ?? Date.now;
    this.lastSweep = this.now();
  }

  async admit(input: AdmitInput): Promise<RateLimitDecision> {
    const cost = validateAdmitInput(input);
    const now = this.now();
    this.sweep(now);
    const measured: MeasuredWindow[] = [];
    let allowed = true;
    for (const window of input.requests) allowed = this.measure(measured, window.key, window.limit, 'requests', cost, now) && allowed;
    for (const window of input.tokens) allowed = this.measure(measured, window.key, window.limit, 'tokens', cost, now) && allowed;
    if (allowed && cost > 0) {
      const current = now - (now % this.shape.bucketMs);
      for (const window of measured) {
        if (window.kind !== 'requests') continue;
        this.add(window.key, current, cost, now);
        window.used += cost;
        // The newest bucket sets the reset; after a clock step back that may be one newer than the current bucket.
        window.resetMs = Math.max(window.resetMs, current + this.shape.windowMs - now);
      }
    }
    return buildDecision(allowed, measured);
  }

  async addTokens(keys: string[], tokens: number): Promise<void> {
    validateTokens(tokens);
    if (tokens === 0) return;
    const now = this.now();
    const current = now - (now % this.shape.bucketMs);
    for (const key of keys) this.add(key, current, tokens, now);
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  /** Measures one window into `into`; false when it refuses. */
  private measure(into: MeasuredWindow[], key: string, limit: number, kind: 'requests' | 'tokens', cost: number, now: number): boolean {
    const window = this.prune(key, now);
    const ceiling = computeCeiling(kind, limit, cost);
    const used = window?.sum ?? 0;
    let measure: { used: number; retryAfterMs: number; resetMs: number };
    if (used > ceiling) {
      // A refusal: the retry time needs the buckets in order.
      const buckets: Bucket[] = [];
      for (const [start, count] of window?.counts ?? []) buckets.push({ start, count });
      buckets.sort((left, right) => left.start - right.start);
      measure = measureWindow(buckets, ceiling, now, this.shape);
    } else {
      measure = { used, retryAfterMs: 0, resetMs: window === undefined ? 0 : window.newest + this.shape.windowMs - now };
    }
    into.push({ key, limit, kind, used: measure.used, retryAfterMs: measure.retryAfterMs, resetMs: measure.resetMs });
    return measure.retryAfterMs === 0;
  }

  private add(key: string, bucketStart: number, count: number, now: number): void {
    let window = this.prune(key, now);
    if (window === undefined) {
      window = { counts: new Map(), sum: 0, newest: bucketStart, floor: computeOldestBucket(now, this.shape) };
      this.windows.set(key, window);
    }
    window.counts.set(bucketStart, (window.counts.get(bucketStart) ?? 0) + count);
    window.sum += count;
    if (bucketStart > window.newest) window.newest = bucketStart;
  }

  /** Drops the buckets that left the window; returns what is left, or undefined when nothing is. */
  private prune(key: string, now: number): WindowBuckets | undefined {
    const window = this.windows.get(key);
    if (window === undefined) return undefined;
    const oldest = computeOldestBucket(now, this.shape);
    if (window.floor === oldest) return window;
    if (window.newest < oldest) {
      this.windows.delete(key);
      return undefined;
    }
    if (oldest > window.floor) {
      for (const [start, count] of window.counts) {
        if (start >= oldest) continue;
        window.counts.delete(start);
        window.sum -= count;
      }
    }
    // A floor above oldest (the clock stepped back) needs nothing: no bucket below oldest remains.
    window.floor = oldest;
    return window;
  }

  /** Once a window, forgets keys nobody asked about since (a key per API key would otherwise grow without bound). */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.shape.windowMs) return;
    this.lastSweep = now;
    for (const key of [...this.windows.keys()]) this.prune(key, now);
  }
}
