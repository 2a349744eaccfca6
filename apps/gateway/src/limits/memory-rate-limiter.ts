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

/** The embedded default: one process holds the windows, so each call is atomic by running without an await. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly shape: WindowShape;
  private readonly now: () => number;
  /** Window key → bucket start → count. */
  private readonly windows = new Map<string, Map<number, number>>();
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
    const measured: MeasuredWindow[] = [
      ...input.requests.map((window) => this.measure(window.key, window.limit, 'requests', cost, now)),
      ...input.tokens.map((window) => this.measure(window.key, window.limit, 'tokens', cost, now)),
    ];
    const allowed = measured.every((window) => window.retryAfterMs === 0);
    if (allowed && cost > 0) {
      const current = now - (now % this.shape.bucketMs);
      for (const window of measured) {
        if (window.kind !== 'requests') continue;
        this.add(window.key, current, cost);
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
    for (const key of keys) {
      this.prune(key, now);
      this.add(key, current, tokens);
    }
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private measure(key: string, limit: number, kind: 'requests' | 'tokens', cost: number, now: number): MeasuredWindow {
    const buckets: Bucket[] = [];
    for (const [start, count] of this.prune(key, now) ?? []) buckets.push({ start, count });
    buckets.sort((left, right) => left.start - right.start);
    return { key, limit, kind, ...measureWindow(buckets, computeCeiling(kind, limit, cost), now, this.shape) };
  }

  private add(key: string, bucketStart: number, count: number): void {
    let buckets = this.windows.get(key);
    if (buckets === undefined) {
      buckets = new Map();
      this.windows.set(key, buckets);
    }
    buckets.set(bucketStart, (buckets.get(bucketStart) ?? 0) + count);
  }

  /** Drops the buckets that left the window; returns what is left, or undefined when nothing is. */
  private prune(key: string, now: number): Map<number, number> | undefined {
    const buckets = this.windows.get(key);
    if (buckets === undefined) return undefined;
    const oldest = computeOldestBucket(now, this.shape);
    for (const start of buckets.keys()) if (start < oldest) buckets.delete(start);
    if (buckets.size > 0) return buckets;
    this.windows.delete(key);
    return undefined;
  }

  /** Once a window, forgets keys nobody asked about since (a key per API key would otherwise grow without bound). */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.shape.windowMs) return;
    this.lastSweep = now;
    for (const key of [...this.windows.keys()]) this.prune(key, now);
  }
}
