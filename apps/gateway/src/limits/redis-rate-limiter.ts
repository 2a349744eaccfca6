import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  buildDecision,
  resolveWindowShape,
  validateAdmitInput,
  validateTokens,
  type AdmitInput,
  type MeasuredWindow,
  type RateLimitDecision,
  type RateLimiter,
  type WindowOptions,
  type WindowShape,
} from './rate-limiter.js';
import { createRedisScript, luaHelpers } from './redis-script.js';

/*
 * One HASH per window: bucket start → count, plus bookkeeping fields so that the steady state reads a few fields
 * instead of every bucket: `sum` (the total of the bucket fields), `floor` (every bucket below it is already deleted
 * and subtracted), `last` (the newest bucket written) and `bucketMs` (the resolution they were written at). Buckets
 * that leave the window are found by stepping from `floor` (starts are multiples of bucketMs); only a refusal reads
 * every bucket, to compute its retry time. Anything unexpected (no bookkeeping yet, a long gap, another resolution)
 * falls back to recounting the hash. Mirrors `measureWindow` in rate-limiter.ts; the Redis suite checks the two agree
 * on random histories.
 */
export const windowHelpers = `${luaHelpers}
local windowMs = tonumber(ARGV[1])
local bucketMs = tonumber(ARGV[2])
local now = currentTime(ARGV[3])
local current = now - (now % bucketMs)
local oldest = current - windowMs + bucketMs
local bucketCount = windowMs / bucketMs

-- Recounts the hash: deletes the buckets that left the window, rewrites the bookkeeping. Returns used, newest start.
local function recount(key)
  local fields = redis.call('HGETALL', key)
  local used, newest = 0, nil
  for j = 1, #fields, 2 do
    local start = tonumber(fields[j])
    if start ~= nil then
      if start < oldest then
        redis.call('HDEL', key, fields[j])
      else
        used = used + tonumber(fields[j + 1])
        if newest == nil or start > newest then newest = start end
      end
    end
  end
  if newest == nil then
    redis.call('DEL', key)
    return 0, nil
  end
  redis.call('HSET', key, 'sum', int(used), 'floor', int(oldest), 'last', int(newest), 'bucketMs', ARGV[2])
  return used, newest
end

-- The window's count at now, after deleting the buckets that left it. Returns used, newest start (nil when empty).
local function measure(key)
  local meta = redis.call('HMGET', key, 'sum', 'floor', 'last', 'bucketMs')
  local used, floor, last = tonumber(meta[1]), tonumber(meta[2]), tonumber(meta[3])
  if used == nil or floor == nil or last == nil or tonumber(meta[4]) ~= bucketMs then return recount(key) end
  if last < oldest then
    redis.call('DEL', key)
    return 0, nil
  end
  if floor == oldest then return used, last end
  -- Far behind (a window idle for long, or written far ahead by a clock since set back): cheaper to recount. A floor
  -- above oldest (the clock stepped back) needs nothing: the loop is empty and the floor moves down.
  if (oldest - floor) / bucketMs > bucketCount then return recount(key) end
  for start = floor, oldest - bucketMs, bucketMs do
    local field = int(start)
    local count = tonumber(redis.call('HGET', key, field))
    if count ~= nil then
      used = used - count
      redis.call('HDEL', key, field)
    end
  end
  redis.call('HSET', key, 'sum', int(used), 'floor', int(oldest))
  return used, last
end

-- Adds to the current bucket of a window that measure() has just brought up to date.
local function add(key, amount, newest)
  redis.call('HINCRBY', key, int(current), amount)
  redis.call('HINCRBY', key, 'sum', amount)
  if newest == nil or current > newest then newest = current end
  redis.call('HSET', key, 'floor', int(oldest), 'last', int(newest), 'bucketMs', ARGV[2])
  redis.call('PEXPIRE', key, windowMs + bucketMs)
end

-- How long until the window holds at most ceiling: the oldest buckets leave one by one.
local function computeRetryAfter(key, used, ceiling)
  local fields = redis.call('HGETALL', key)
  local buckets = {}
  for j = 1, #fields, 2 do
    local start = tonumber(fields[j])
    if start ~= nil then buckets[#buckets + 1] = { start, tonumber(fields[j + 1]) } end
  end
  table.sort(buckets, function(left, right) return left[1] < right[1] end)
  local left = used
  for _, bucket in ipairs(buckets) do
    left = left - bucket[2]
    if left <= ceiling then return bucket[1] + windowMs - now end
  end
  return windowMs
end
`;

/**
 * Admits only if every window fits; a refusal writes nothing but the deletion of buckets that left the window.
 * KEYS: request windows, then token windows. ARGV: windowMs, bucketMs, test clock or '', request window count, cost,
 * then one limit per key. Reply: allowed, then used, retryAfterMs, resetMs per key.
 */
export const admitLua = `
local requestWindows = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local allowed = 1
local reply = { 0 }
local newestOf = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[5 + i])
  local ceiling = limit - 1
  if i <= requestWindows then ceiling = limit - cost end
  local used, newest = measure(key)
  newestOf[i] = newest
  local retryAfter = 0
  if used > ceiling then
    allowed = 0
    retryAfter = computeRetryAfter(key, used, ceiling)
  end
  local reset = 0
  if newest ~= nil then reset = newest + windowMs - now end
  reply[#reply + 1] = used
  reply[#reply + 1] = retryAfter
  reply[#reply + 1] = reset
end
reply[1] = allowed
if allowed == 1 and cost > 0 then
  for i = 1, requestWindows do
    add(KEYS[i], ARGV[5], newestOf[i])
    reply[3 * i - 1] = reply[3 * i - 1] + cost
    reply[3 * i + 1] = math.max(reply[3 * i + 1], current + windowMs - now)
  end
end
return reply
`;
const admitScript = createRedisScript(windowHelpers + admitLua);

/** KEYS: token windows. ARGV: windowMs, bucketMs, test clock or '', tokens. */
export const addTokensLua = `
for _, key in ipairs(KEYS) do
  local _, newest = measure(key)
  add(key, ARGV[4], newest)
end
return 0
`;
const addTokensScript = createRedisScript(windowHelpers + addTokensLua);

const admitReplySchema = z.array(z.number().int());

export interface AdmitCall {
  input: AdmitInput;
  keys: string[];
  args: Array<string | number>;
}

export interface RedisRateLimiterOptions extends WindowOptions {
  /** Prepended to every key; 'arbiter:' by default, unique per test. */
  prefix?: string;
  /** Tests only: replaces Redis TIME, so the shared behaviour suite can move time. */
  now?: () => number;
}

/** Windows shared by every replica on one Redis. Redis errors reject, and the caller decides (it fails closed). */
export class RedisRateLimiter implements RateLimiter {
  private readonly shape: WindowShape;
  private readonly prefix: string;
  private readonly now: (() => number) | undefined;

  constructor(
    private readonly redis: Redis,
    options: RedisRateLimiterOptions = {},
  ) {
    this.shape = resolveWindowShape(options);
    this.prefix = options.prefix ?? 'arbiter:';
    this.now = options.now;
  }

  async admit(input: AdmitInput): Promise<RateLimitDecision> {
    const call = this.admitCall(input);
    if (call === null) return buildDecision(true, []);
    return this.readAdmitReply(call, await admitScript(this.redis, call.keys, call.args));
  }

  /** The keys and arguments of the admit script for `input` (null when there is no window): shared with scripts that admit and reserve in one step. */
  admitCall(input: AdmitInput): AdmitCall | null {
    const cost = validateAdmitInput(input);
    const count = input.requests.length + input.tokens.length;
    if (count === 0) return null;
    const keys: string[] = [];
    const args: Array<string | number> = [this.shape.windowMs, this.shape.bucketMs, this.clockArgument(), input.requests.length, cost];
    for (const window of input.requests) {
      keys.push(this.prefix + window.key);
      args.push(window.limit);
    }
    for (const window of input.tokens) {
      keys.push(this.prefix + window.key);
      args.push(window.limit);
    }
    return { input, keys, args };
  }

  readAdmitReply(call: AdmitCall, raw: unknown): RateLimitDecision {
    const reply = admitReplySchema.parse(raw);
    const { requests, tokens } = call.input;
    if (reply.length !== 1 + 3 * (requests.length + tokens.length)) throw new Error(`admit script replied with ${reply.length} numbers`);
    const measured: MeasuredWindow[] = [];
    const read = (window: { key: string; limit: number }, kind: 'requests' | 'tokens') => {
      const index = measured.length;
      measured.push({ key: window.key, limit: window.limit, kind, used: reply[1 + 3 * index] ?? 0, retryAfterMs: reply[2 + 3 * index] ?? 0, resetMs: reply[3 + 3 * index] ?? 0 });
    };
    for (const window of requests) read(window, 'requests');
    for (const window of tokens) read(window, 'tokens');
    return buildDecision(reply[0] === 1, measured);
  }

  async addTokens(keys: string[], tokens: number): Promise<void> {
    const call = this.addTokensCall(keys, tokens);
    if (call !== null) await addTokensScript(this.redis, call.keys, call.args);
  }

  /** The keys and arguments of the add-tokens script (null when there is nothing to add). */
  addTokensCall(keys: string[], tokens: number): { keys: string[]; args: Array<string | number> } | null {
    validateTokens(tokens);
    if (tokens === 0 || keys.length === 0) return null;
    return { keys: keys.map((key) => this.prefix + key), args: [this.shape.windowMs, this.shape.bucketMs, this.clockArgument(), tokens] };
  }

  /** The Redis client belongs to the caller, which closes it. */
  async close(): Promise<void> {}

  private clockArgument(): string {
    return this.now === undefined ? '' : String(this.now());
  }
}
