import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type RedisScript = (redis: Redis, keys: string[], args: Array<string | number>) => Promise<unknown>;

/**
 * A Lua script run by EVALSHA, falling back to EVAL (which also caches it) when the server answers NOSCRIPT: after a
 * restart or SCRIPT FLUSH, or on first use. One round trip in the steady state, and the script runs atomically.
 */
export function createRedisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}

/**
 * Lua helpers shared by the scripts. Lua 5.1 numbers are doubles, exact up to 2^53 like ours, but `tostring` prints
 * only 14 significant digits, so every number written back to Redis goes through `int` (64-bit `%d`).
 */
export const luaHelpers = `
local function int(value) return string.format('%d', value) end
-- The time in ms: the injected test clock when given, otherwise the server's, so replicas with skewed clocks agree.
local function currentTime(injected)
  local now = tonumber(injected)
  if now ~= nil then return now end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;
