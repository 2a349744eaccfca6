import type { StoredLimits } from '../db/schema.js';
import type { Principal } from '../pipeline/authenticate.js';

/** One budget counter: a level (global, tenant, user, key), an id, a period and its USD limit in nano-USD. */
export interface BudgetScopeSpec {
  scope: 'global' | 'tenant' | 'user' | 'key';
  scopeId: string;
  tenantId: string;
  period: 'month' | 'day';
  periodStart: Date;
  periodEndMs: number;
  limitNano: number;
  /** The ledger key, e.g. `budget:tenant:T1:month:2026-11`. */
  key: string;
}

/** The budgets that apply to a principal's request now: every level that has one, monthly and daily. */
export function resolveBudgetScopes(principal: Principal, globalMonthlyUsd: string | undefined, now: Date): BudgetScopeSpec[] {
  if (globalMonthlyUsd === undefined && !hasBudget(principal)) return [];
  const scopes: BudgetScopeSpec[] = [];
  const add = (scope: BudgetScopeSpec['scope'], scopeId: string, limits: StoredLimits | null | undefined) => {
    if (limits?.monthly_budget_usd !== undefined) scopes.push(createScope(scope, scopeId, principal.tenantId, 'month', limits.monthly_budget_usd, now));
    if (limits?.daily_budget_usd !== undefined) scopes.push(createScope(scope, scopeId, principal.tenantId, 'day', limits.daily_budget_usd, now));
  };
  if (globalMonthlyUsd !== undefined) scopes.push(createScope('global', 'all', 'default', 'month', globalMonthlyUsd, now));
  add('tenant', principal.tenantId, principal.limits.tenant);
  if (principal.userId !== null) add('user', principal.userId, principal.limits.user);
  if (principal.kind === 'api_key') add('key', principal.keyId, principal.limits.key);
  return scopes;
}

/**
 * Scope specs are the same for every request of a period: built once per level, id, limit and period, then reused
 * (the hot path allocates nothing for them). Bounded: cleared when it grows past a generous size.
 */
const scopeCache = new Map<string, BudgetScopeSpec>();

export function createScope(
  scope: BudgetScopeSpec['scope'],
  scopeId: string,
  tenantId: string,
  period: BudgetScopeSpec['period'],
  limitUsd: string,
  now: Date,
): BudgetScopeSpec {
  const cacheKey = `${scope}|${scopeId}|${tenantId}|${period}|${limitUsd}`;
  const cached = scopeCache.get(cacheKey);
  if (cached !== undefined && now.getTime() >= cached.periodStart.getTime() && now.getTime() < cached.periodEndMs) return cached;
  const start = period === 'month' ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const end = period === 'month' ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) : start.getTime() + 86_400_000;
  const label = period === 'month' ? start.toISOString().slice(0, 7) : start.toISOString().slice(0, 10);
  const built = { scope, scopeId, tenantId, period, periodStart: start, periodEndMs: end, limitNano: usdToNano(limitUsd, 'floor'), key: `budget:${scope}:${scopeId}:${period}:${label}` };
  if (scopeCache.size >= 100_000) scopeCache.clear();
  scopeCache.set(cacheKey, built);
  return built;
}

/** Exact decimal USD → integer nano-USD (1e-9), rounded as asked: budgets down, costs up (never under-count spend). */
export function usdToNano(usd: string, rounding: 'floor' | 'ceil'): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(usd.trim());
  if (match === null) throw new RangeError(`not a non-negative USD amount: ${usd}`);
  const whole = BigInt(match[1] ?? '0');
  const fraction = match[2] ?? '';
  let nano = whole * 1_000_000_000n + BigInt(fraction.slice(0, 9).padEnd(9, '0'));
  if (rounding === 'ceil' && /[1-9]/.test(fraction.slice(9))) nano += 1n;
  return Number(nano);
}

export function nanoToUsd(nano: number): string {
  const text = BigInt(Math.max(0, Math.round(nano))).toString().padStart(10, '0');
  const fraction = text.slice(-9).replace(/0+$/, '');
  return fraction === '' ? text.slice(0, -9) : `${text.slice(0, -9)}.${fraction}`;
}

function hasBudget(principal: Principal): boolean {
  const { tenant, user, key } = principal.limits;
  return (
    tenant.monthly_budget_usd !== undefined ||
    tenant.daily_budget_usd !== undefined ||
    user?.monthly_budget_usd !== undefined ||
    user?.daily_budget_usd !== undefined ||
    key?.monthly_budget_usd !== undefined ||
    key?.daily_budget_usd !== undefined
  );
}
