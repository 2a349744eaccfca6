/**
 * Per-minute request and token limits enforced over a sliding window kept in per-bucket counts, in process memory
 * (one replica) or in Redis (replicas sharing one Redis). Both implementations share the arithmetic below, and the
 * Redis script mirrors it line for line.
 */

export interface WindowLimit {
  /** e.g. 'rpm:key:abc'; distinct across the windows of one call. */
  key: string;
  limit: number;
}

export interface WindowState {
  key: string;
  limit: number;
  remaining: number;
  resetMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** The window that refused (or the tightest one when allowed), for x-ratelimit-* headers; null when no window applied. */
  key: string | null;
  limit: number;
  remaining: number;
  /** ms until enough of the window expires for the refused request to fit (>= 1 when refused, 0 when allowed). */
  retryAfterMs: number;
  /** ms until the window fully resets (for x-ratelimit-reset). */
  resetMs: number;
  /** Every window of the call (requests first, then tokens), so both request and token headers can be sent. */
  windows: WindowState[];
}

export interface AdmitInput {
  requests: WindowLimit[];
  tokens: WindowLimit[];
  /** How many requests this admission counts in every request window; 1 when omitted. */
  cost?: number;
}

export interface RateLimiter {
  /**
   * Atomically across all given windows: admitted only if every request window has room for `cost` more
   * (count + cost <= limit) and every token window has used < its limit so far; when admitted, `cost` is added to
   * every request window (token windows are charged later with the real usage). When refused nothing is counted.
   */
  admit(input: AdmitInput): Promise<RateLimitDecision>;
  /** Adds tokens actually used to token windows (after the response). */
  addTokens(keys: string[], tokens: number): Promise<void>;
  close(): Promise<void>;
}

export interface WindowOptions {
  /** Length of the sliding window; 60 s in production, shorter in tests. */
  windowMs?: number;
  /** Resolution of the window: counts are kept per bucket and a bucket leaves the window as a whole. */
  bucketMs?: number;
}

export interface WindowShape {
  windowMs: number;
  bucketMs: number;
}

export function resolveWindowShape(options: WindowOptions = {}): WindowShape {
  const windowMs = options.windowMs ?? 60_000;
  const bucketMs = options.bucketMs ?? 1000;
  if (!Number.isSafeInteger(bucketMs) || bucketMs < 1) throw new RangeError(`bucketMs must be a positive integer, got ${bucketMs}`);
  // A whole number of buckets, so that a bucket's expiry (its start + windowMs) falls on a bucket boundary.
  if (!Number.isSafeInteger(windowMs) || windowMs < bucketMs || windowMs % bucketMs !== 0) {
    throw new RangeError(`windowMs must be a positive multiple of bucketMs (${bucketMs}), got ${windowMs}`);
  }
  return { windowMs, bucketMs };
}

/** The request count of one admission, validated; also checks that no window key repeats within the call. */
export function validateAdmitInput(input: AdmitInput): number {
  const cost = input.cost ?? 1;
  if (!Number.isSafeInteger(cost) || cost < 0) throw new RangeError(`cost must be a non-negative integer, got ${cost}`);
  const keys = new Set<string>();
  for (const window of [...input.requests, ...input.tokens]) {
    if (!Number.isSafeInteger(window.limit) || window.limit < 0) {
      throw new RangeError(`limit of ${window.key} must be a non-negative integer, got ${window.limit}`);
    }
    // A repeated key would be counted twice by one admission.
    if (keys.has(window.key)) throw new RangeError(`window ${window.key} appears twice in one admission`);
    keys.add(window.key);
  }
  return cost;
}

export function validateTokens(tokens: number): void {
  if (!Number.isSafeInteger(tokens) || tokens < 0) throw new RangeError(`tokens must be a non-negative integer, got ${tokens}`);
}

/**
 * The most a window may already hold for the admission to fit: a request window needs room for `cost` more, a token
 * window only needs to be under its limit (the real usage is charged after the response).
 */
export function computeCeiling(kind: 'requests' | 'tokens', limit: number, cost: number): number {
  return kind === 'requests' ? limit - cost : limit - 1;
}

export interface Bucket {
  start: number;
  count: number;
}

/** The oldest bucket start still inside the window at `now`; older buckets are dropped. */
export function computeOldestBucket(now: number, shape: WindowShape): number {
  return now - (now % shape.bucketMs) - shape.windowMs + shape.bucketMs;
}

export interface WindowMeasure {
  used: number;
  retryAfterMs: number;
  resetMs: number;
}

/**
 * Measures one window (buckets inside the window, oldest first). A bucket stops counting at its start + windowMs, so
 * the refused request fits once enough of the oldest buckets have left; when it can never fit (cost above the limit)
 * the answer is a whole window.
 */
export function measureWindow(buckets: Bucket[], ceiling: number, now: number, shape: WindowShape): WindowMeasure {
  let used = 0;
  for (const bucket of buckets) used += bucket.count;
  let retryAfterMs = 0;
  if (used > ceiling) {
    retryAfterMs = shape.windowMs;
    let left = used;
    for (const bucket of buckets) {
      left -= bucket.count;
      if (left <= ceiling) {
        retryAfterMs = bucket.start + shape.windowMs - now;
        break;
      }
    }
  }
  const newest = buckets.at(-1);
  const resetMs = newest === undefined ? 0 : newest.start + shape.windowMs - now;
  return { used, retryAfterMs, resetMs };
}

export interface MeasuredWindow extends WindowMeasure {
  key: string;
  limit: number;
  kind: 'requests' | 'tokens';
}

/**
 * The decision from the measured windows (`used` and `resetMs` already include this admission's requests when it was
 * allowed). Refused: the window that keeps the request out longest. Allowed: the window with the smallest remaining
 * share of its limit.
 */
export function buildDecision(allowed: boolean, windows: MeasuredWindow[]): RateLimitDecision {
  const entries = windows.map((window) => ({
    retryAfterMs: window.retryAfterMs,
    state: { key: window.key, limit: window.limit, remaining: Math.max(0, window.limit - window.used), resetMs: window.resetMs },
  }));
  let chosen: (typeof entries)[number] | undefined;
  for (const entry of entries) {
    if (allowed ? chosen === undefined || share(entry.state) < share(chosen.state) : entry.retryAfterMs > (chosen?.retryAfterMs ?? 0)) {
      chosen = entry;
    }
  }
  const states = entries.map((entry) => entry.state);
  if (chosen === undefined) return { allowed, key: null, limit: 0, remaining: 0, retryAfterMs: 0, resetMs: 0, windows: states };
  return { allowed, ...chosen.state, retryAfterMs: allowed ? 0 : chosen.retryAfterMs, windows: states };
}

function share(state: WindowState): number {
  return state.limit === 0 ? 0 : state.remaining / state.limit;
}
