import type { Redis } from 'ioredis';
import type { BudgetLedger, BudgetScope, ReserveResult, SettleCrossing } from './budget-ledger.js';
import type { AdmitInput, RateLimitDecision, RateLimiter } from './rate-limiter.js';
import { budgetHelpers, RedisBudgetLedger, reserveLua, settleLua, type ScriptCall } from './redis-budget-ledger.js';
import { addTokensLua, admitLua, RedisRateLimiter, windowHelpers } from './redis-rate-limiter.js';
import { createRedisScript } from './redis-script.js';

export interface Reservation {
  id: string;
  scopes: BudgetScope[];
  amountNano: number;
  ttlMs: number;
}

export interface Settlement {
  id: string;
  scopes: BudgetScope[];
  actualNano: number;
}

/**
 * The two steps of admission that touch the limit stores, each as one call: before the request, the rate-limit
 * windows and (when they admit) the budget reservation; after it, the token count and the budget settlement. The
 * rules are the rate limiter's and the ledger's own; with Redis each step is one script, one round trip.
 */
export interface AdmissionStore {
  /**
   * Rate limits first (null decision without windows); only when they admit, the reservation (null without one).
   * As with two calls one after the other, a request refused for its budget still counts against its request windows.
   */
  admitAndReserve(windows: AdmitInput, reservation: Reservation | null): Promise<{ decision: RateLimitDecision | null; reserved: ReserveResult | null }>;
  /** Adds `tokens` to the token windows and settles the reservation (empty without one). */
  countAndSettle(tokenKeys: string[], tokens: number, settlement: Settlement | null): Promise<SettleCrossing[]>;
}

function hasWindows(windows: AdmitInput): boolean {
  return windows.requests.length > 0 || windows.tokens.length > 0;
}

/** The steps as calls to the rate limiter and the ledger, one after the other (in memory they never wait). */
export class SequentialAdmissionStore implements AdmissionStore {
  constructor(
    private readonly rateLimiter: RateLimiter,
    private readonly budgetLedger: BudgetLedger,
  ) {}

  async admitAndReserve(windows: AdmitInput, reservation: Reservation | null): Promise<{ decision: RateLimitDecision | null; reserved: ReserveResult | null }> {
    const decision = hasWindows(windows) ? await this.rateLimiter.admit(windows) : null;
    if (reservation === null || (decision !== null && !decision.allowed)) return { decision, reserved: null };
    const reserved = await this.budgetLedger.reserve(reservation.id, reservation.scopes, reservation.amountNano, reservation.ttlMs);
    return { decision, reserved };
  }

  async countAndSettle(tokenKeys: string[], tokens: number, settlement: Settlement | null): Promise<SettleCrossing[]> {
    const counted = tokenKeys.length > 0 && tokens > 0 ? this.rateLimiter.addTokens(tokenKeys, tokens) : undefined;
    const crossings = settlement === null ? [] : await this.budgetLedger.settle(settlement.id, settlement.scopes, settlement.actualNano);
    await counted;
    return crossings;
  }
}

/*
 * Each step's scripts run as functions of one script, each on its own slice of KEYS and ARGV (the function parameters
 * shadow the globals), so their Lua is exactly the separate scripts'. ARGV starts with the window key count, the
 * window argument count and the budget key count.
 */
const splitArguments = `
local windowKeys, windowArgs, budgetKeys, budgetArgs = {}, {}, {}, {}
local windowKeyCount, windowArgCount, budgetKeyCount = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, windowKeyCount do windowKeys[i] = KEYS[i] end
for i = 1, budgetKeyCount do budgetKeys[i] = KEYS[windowKeyCount + i] end
for i = 1, windowArgCount do windowArgs[i] = ARGV[3 + i] end
for i = 4 + windowArgCount, #ARGV do budgetArgs[#budgetArgs + 1] = ARGV[i] end
`;

/** Reply: { admit reply or {}, reserve reply or {} }. */
const admitAndReserveScript = createRedisScript(`
local function admitWindows(KEYS, ARGV)
${windowHelpers}
${admitLua}
end
local function reserveBudgets(KEYS, ARGV)
${budgetHelpers}
${reserveLua}
end
${splitArguments}
local admitted = {}
if windowKeyCount > 0 then
  admitted = admitWindows(windowKeys, windowArgs)
  if admitted[1] ~= 1 then return { admitted, {} } end
end
if budgetKeyCount == 0 then return { admitted, {} } end
return { admitted, reserveBudgets(budgetKeys, budgetArgs) }
`);

/** Reply: the settle reply ({} without a settlement). */
const countAndSettleScript = createRedisScript(`
local function addTokens(KEYS, ARGV)
${windowHelpers}
${addTokensLua}
end
local function settleBudgets(KEYS, ARGV)
${budgetHelpers}
${settleLua}
end
${splitArguments}
if windowKeyCount > 0 then addTokens(windowKeys, windowArgs) end
if budgetKeyCount == 0 then return {} end
return settleBudgets(budgetKeys, budgetArgs)
`);

/** Both steps on Redis, each one script: one round trip before the request and one after it. */
export class RedisAdmissionStore implements AdmissionStore {
  constructor(
    private readonly redis: Redis,
    private readonly rateLimiter: RedisRateLimiter,
    private readonly budgetLedger: RedisBudgetLedger,
  ) {}

  async admitAndReserve(windows: AdmitInput, reservation: Reservation | null): Promise<{ decision: RateLimitDecision | null; reserved: ReserveResult | null }> {
    const admit = this.rateLimiter.admitCall(windows);
    const reserve = reservation === null ? null : this.budgetLedger.reserveCall(reservation.id, reservation.scopes, reservation.amountNano, reservation.ttlMs);
    if (admit === null && reserve === null) return { decision: null, reserved: reservation === null ? null : { ok: true } };
    const reply = await admitAndReserveScript(this.redis, ...combine(admit, reserve));
    const [admitted, reserved] = Array.isArray(reply) ? (reply as unknown[]) : [];
    const decision = admit === null ? null : this.rateLimiter.readAdmitReply(admit, admitted);
    if (reservation === null || (decision !== null && !decision.allowed)) return { decision, reserved: null };
    if (reserved instanceof Error) throw reserved;
    return { decision, reserved: reserve === null ? { ok: true } : this.budgetLedger.readReserveReply(reservation.scopes, reserved) };
  }

  async countAndSettle(tokenKeys: string[], tokens: number, settlement: Settlement | null): Promise<SettleCrossing[]> {
    const count = this.rateLimiter.addTokensCall(tokenKeys, tokens);
    const settle = settlement === null ? null : this.budgetLedger.settleCall(settlement.id, settlement.scopes, settlement.actualNano);
    if (count === null && settle === null) return [];
    const reply = await countAndSettleScript(this.redis, ...combine(count, settle));
    return settlement === null || settle === null ? [] : this.budgetLedger.readSettleReply(settlement.scopes, reply);
  }
}

function combine(windows: ScriptCall | null, budgets: ScriptCall | null): [string[], Array<string | number>] {
  const windowKeys = windows?.keys ?? [];
  const windowArgs = windows?.args ?? [];
  const budgetKeys = budgets?.keys ?? [];
  return [
    [...windowKeys, ...budgetKeys],
    [windowKeys.length, windowArgs.length, budgetKeys.length, ...windowArgs, ...(budgets?.args ?? [])],
  ];
}
