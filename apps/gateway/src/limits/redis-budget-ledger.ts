import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  scopeRetentionMs,
  validateNano,
  validateScopes,
  validateTtl,
  type BudgetLedger,
  type BudgetScope,
  type ReserveResult,
  type SettleCrossing,
} from './budget-ledger.js';
import { createRedisScript, luaHelpers } from './redis-script.js';

/*
 * Per scope, three keys (KEYS[3i-2..3i]): HASH <key> {spent, reserved}; ZSET <key>:res reservation id → expiry (ms);
 * HASH <key>:amt reservation id → amount. Every script purges the expired reservations first, and subtracts only
 * what :amt still holds, so an expired or unknown reservation is never subtracted twice.
 */
export const budgetHelpers = `${luaHelpers}
local function purge(counter, reservations, amounts, now)
  local expired = redis.call('ZRANGEBYSCORE', reservations, '-inf', int(now))
  local reserved = tonumber(redis.call('HGET', counter, 'reserved')) or 0
  if #expired == 0 then return reserved end
  for _, id in ipairs(expired) do
    reserved = reserved - (tonumber(redis.call('HGET', amounts, id)) or 0)
    redis.call('HDEL', amounts, id)
  end
  redis.call('ZREMRANGEBYSCORE', reservations, '-inf', int(now))
  reserved = math.max(0, reserved)
  redis.call('HSET', counter, 'reserved', int(reserved))
  return reserved
end
local function remove(counter, reservations, amounts, id, reserved)
  local held = tonumber(redis.call('HGET', amounts, id))
  if held == nil then return end
  redis.call('HDEL', amounts, id)
  redis.call('ZREM', reservations, id)
  redis.call('HSET', counter, 'reserved', int(math.max(0, reserved - held)))
end
local function keep(i, expireAt)
  for j = 3 * i - 2, 3 * i do redis.call('PEXPIREAT', KEYS[j], expireAt) end
end
`;

/** ARGV: spent, expireAt. Reply: 1 when this call seeded. */
const seedScript = createRedisScript(`${luaHelpers}
local seeded = redis.call('HSETNX', KEYS[1], 'spent', ARGV[1])
for j = 1, 3 do redis.call('PEXPIREAT', KEYS[j], ARGV[2]) end
return seeded
`);

/**
 * ARGV: reservation id, amount, ttlMs, test clock or '', then limit and expireAt per scope.
 * Reply: {1} when reserved, {0, scope index, spent, reserved} when refused.
 */
export const reserveLua = `
local id = ARGV[1]
local amount = tonumber(ARGV[2])
local now = currentTime(ARGV[4])
for i = 1, #KEYS / 3 do
  local counter, reservations, amounts = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local reserved = purge(counter, reservations, amounts, now)
  if redis.call('HEXISTS', amounts, id) == 1 then
    return redis.error_reply('ERR reservation ' .. id .. ' already exists in ' .. counter)
  end
  local spent = tonumber(redis.call('HGET', counter, 'spent')) or 0
  local limit = tonumber(ARGV[3 + 2 * i])
  local refused
  if amount == 0 then refused = spent >= limit else refused = spent + reserved + amount > limit end
  if refused then return { 0, i, spent, reserved } end
end
local expiresAt = int(now + tonumber(ARGV[3]))
for i = 1, #KEYS / 3 do
  redis.call('HINCRBY', KEYS[3 * i - 2], 'reserved', ARGV[2])
  redis.call('ZADD', KEYS[3 * i - 1], expiresAt, id)
  redis.call('HSET', KEYS[3 * i], id, ARGV[2])
  keep(i, ARGV[4 + 2 * i])
end
return { 1 }
`;
const reserveScript = createRedisScript(budgetHelpers + reserveLua);

/** ARGV: reservation id, actual, test clock or '', then expireAt per scope. Reply: spent before, after per scope. */
export const settleLua = `
local id = ARGV[1]
local now = currentTime(ARGV[3])
local reply = {}
for i = 1, #KEYS / 3 do
  local counter, reservations, amounts = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  remove(counter, reservations, amounts, id, purge(counter, reservations, amounts, now))
  local after = redis.call('HINCRBY', counter, 'spent', ARGV[2])
  reply[#reply + 1] = after - tonumber(ARGV[2])
  reply[#reply + 1] = after
  keep(i, ARGV[3 + i])
end
return reply
`;
const settleScript = createRedisScript(budgetHelpers + settleLua);

/** ARGV: reservation id, test clock or ''. */
const releaseScript = createRedisScript(`${budgetHelpers}
local now = currentTime(ARGV[2])
for i = 1, #KEYS / 3 do
  local counter, reservations, amounts = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  remove(counter, reservations, amounts, ARGV[1], purge(counter, reservations, amounts, now))
end
return 0
`);

/** ARGV: test clock or ''. Reply: spent, reserved. */
const readScript = createRedisScript(`${budgetHelpers}
local reserved = purge(KEYS[1], KEYS[2], KEYS[3], currentTime(ARGV[1]))
return { tonumber(redis.call('HGET', KEYS[1], 'spent')) or 0, reserved }
`);

const numbersSchema = z.array(z.number().int());

export interface ScriptCall {
  keys: string[];
  args: Array<string | number>;
}

export interface RedisBudgetLedgerOptions {
  /** Prepended to every key; 'arbiter:' by default, unique per test. */
  prefix?: string;
  /** Tests only: replaces Redis TIME for reservation expiry, so the shared behaviour suite can move time. */
  now?: () => number;
}

/** Budgets shared by every replica on one Redis. Redis errors reject, and the caller decides (it fails closed). */
export class RedisBudgetLedger implements BudgetLedger {
  private readonly prefix: string;
  private readonly now: (() => number) | undefined;

  constructor(
    private readonly redis: Redis,
    options: RedisBudgetLedgerOptions = {},
  ) {
    this.prefix = options.prefix ?? 'arbiter:';
    this.now = options.now;
  }

  async ensureSeeded(scope: BudgetScope, load: () => Promise<number>): Promise<void> {
    validateScopes([scope]);
    // The cheap check first: `load` queries the database, and a seeded counter is the common case.
    if ((await this.redis.hexists(this.prefix + scope.key, 'spent')) === 1) return;
    const spent = await load();
    validateNano(`seeded spend of ${scope.key}`, spent);
    await seedScript(this.redis, this.keysOf([scope]), [spent, scope.periodEndMs + scopeRetentionMs]);
  }

  async reserve(reservationId: string, scopes: BudgetScope[], amountNano: number, ttlMs: number): Promise<ReserveResult> {
    const call = this.reserveCall(reservationId, scopes, amountNano, ttlMs);
    if (call === null) return { ok: true };
    return this.readReserveReply(scopes, await reserveScript(this.redis, call.keys, call.args));
  }

  /** The keys and arguments of the reserve script (null without scopes): shared with scripts that admit and reserve in one step. */
  reserveCall(reservationId: string, scopes: BudgetScope[], amountNano: number, ttlMs: number): ScriptCall | null {
    validateScopes(scopes);
    validateNano('amountNano', amountNano);
    validateTtl(ttlMs);
    if (scopes.length === 0) return null;
    const args: Array<string | number> = [reservationId, amountNano, ttlMs, this.clockArgument()];
    for (const scope of scopes) args.push(scope.limitNano, scope.periodEndMs + scopeRetentionMs);
    return { keys: this.keysOf(scopes), args };
  }

  readReserveReply(scopes: BudgetScope[], raw: unknown): ReserveResult {
    const reply = numbersSchema.parse(raw);
    if (reply[0] === 1) return { ok: true };
    const [, index = 0, spentNano = 0, reservedNano = 0] = reply;
    const scope = scopes[index - 1];
    if (scope === undefined) throw new Error(`reserve script refused an unknown scope index ${index}`);
    return { ok: false, key: scope.key, limitNano: scope.limitNano, spentNano, reservedNano };
  }

  async settle(reservationId: string, scopes: BudgetScope[], actualNano: number): Promise<SettleCrossing[]> {
    const call = this.settleCall(reservationId, scopes, actualNano);
    if (call === null) return [];
    return this.readSettleReply(scopes, await settleScript(this.redis, call.keys, call.args));
  }

  /** The keys and arguments of the settle script (null without scopes). */
  settleCall(reservationId: string, scopes: BudgetScope[], actualNano: number): ScriptCall | null {
    validateScopes(scopes);
    validateNano('actualNano', actualNano);
    if (scopes.length === 0) return null;
    const args: Array<string | number> = [reservationId, actualNano, this.clockArgument()];
    for (const scope of scopes) args.push(scope.periodEndMs + scopeRetentionMs);
    return { keys: this.keysOf(scopes), args };
  }

  readSettleReply(scopes: BudgetScope[], raw: unknown): SettleCrossing[] {
    const reply = numbersSchema.parse(raw);
    if (reply.length !== 2 * scopes.length) throw new Error(`settle script replied with ${reply.length} numbers`);
    return scopes.map((scope, index) => ({
      key: scope.key,
      limitNano: scope.limitNano,
      beforeNano: reply[2 * index] ?? 0,
      afterNano: reply[2 * index + 1] ?? 0,
    }));
  }

  async release(reservationId: string, scopes: BudgetScope[]): Promise<void> {
    validateScopes(scopes);
    if (scopes.length === 0) return;
    await releaseScript(this.redis, this.keysOf(scopes), [reservationId, this.clockArgument()]);
  }

  async read(scope: BudgetScope): Promise<{ spentNano: number; reservedNano: number }> {
    validateScopes([scope]);
    const [spentNano = 0, reservedNano = 0] = numbersSchema.parse(await readScript(this.redis, this.keysOf([scope]), [this.clockArgument()]));
    return { spentNano, reservedNano };
  }

  /** The Redis client belongs to the caller, which closes it. */
  async close(): Promise<void> {}

  private keysOf(scopes: BudgetScope[]): string[] {
    return scopes.flatMap((scope) => {
      const counter = this.prefix + scope.key;
      return [counter, `${counter}:res`, `${counter}:amt`];
    });
  }

  private clockArgument(): string {
    return this.now === undefined ? '' : String(this.now());
  }
}
