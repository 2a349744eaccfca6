/**
 * USD budgets in integer nano-USD (1e-9 USD; exact in a JS number up to 2^53, about 9 million USD), enforced by
 * reserving an estimate before the upstream call and settling the real cost after it. Both implementations (memory and
 * Redis) follow the same rules:
 *
 * - A reservation counts against every scope until settled, released, or expired (`ttlMs`), so a crashed replica
 *   cannot hold budget forever; expired reservations are purged before every check.
 * - A reservation of 0 is refused only when the scope is already spent (spent >= limit): a free request is allowed
 *   next to other in-flight reservations, but not once the budget is gone.
 * - Settling or releasing a reservation that expired or never existed subtracts nothing (no double release); settle
 *   still adds the actual cost to spent.
 * - Overshoot (spent > limit) only comes from settles whose actual cost exceeds their reservation.
 */

export interface BudgetScope {
  /** e.g. 'budget:tenant:T1:month:2026-11'; distinct across the scopes of one call. */
  key: string;
  limitNano: number;
  /** ms epoch when the period ends: the counter is kept a day after, then forgotten. */
  periodEndMs: number;
}

export type ReserveResult =
  | { ok: true }
  | { ok: false; key: string; limitNano: number; spentNano: number; reservedNano: number };

/** Spent before and after one settle, so 50/80/100% crossings are seen by exactly one replica. */
export interface SettleCrossing {
  key: string;
  limitNano: number;
  beforeNano: number;
  afterNano: number;
}

export interface BudgetLedger {
  /**
   * Seeds a scope's spent amount once (from the database's usage records) if the counter does not exist yet; `load`
   * is called only when needed and the first replica to seed wins. Call it before the scope's first reserve.
   */
  ensureSeeded(scope: BudgetScope, load: () => Promise<number>): Promise<void>;
  /**
   * Atomically across all scopes: refused if for any scope spent + reserved + amount > limit (for an amount of 0: if
   * spent >= limit); otherwise adds the reservation to every scope, expiring after `ttlMs`.
   */
  reserve(reservationId: string, scopes: BudgetScope[], amountNano: number, ttlMs: number): Promise<ReserveResult>;
  /** Removes the reservation and adds `actualNano` to spent in every scope (even above the reservation). */
  settle(reservationId: string, scopes: BudgetScope[], actualNano: number): Promise<SettleCrossing[]>;
  /** Removes the reservation without spending (the request failed before any cost). */
  release(reservationId: string, scopes: BudgetScope[]): Promise<void>;
  read(scope: BudgetScope): Promise<{ spentNano: number; reservedNano: number }>;
  close(): Promise<void>;
}

/** How long a scope's counter outlives its period: late settles of the period's last requests still land. */
export const scopeRetentionMs = 24 * 60 * 60 * 1000;

export function validateNano(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer nano-USD amount, got ${value}`);
}

export function validateScopes(scopes: BudgetScope[]): void {
  const keys = new Set<string>();
  for (const scope of scopes) {
    validateNano(`limit of ${scope.key}`, scope.limitNano);
    if (!Number.isSafeInteger(scope.periodEndMs)) throw new RangeError(`periodEndMs of ${scope.key} must be an integer, got ${scope.periodEndMs}`);
    // A repeated scope would be charged twice by one call.
    if (keys.has(scope.key)) throw new RangeError(`scope ${scope.key} appears twice in one call`);
    keys.add(scope.key);
  }
}

export function validateTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
}

/** The reservation rule shared by both ledgers (see the module comment for amounts of 0). */
export function isRefused(spentNano: number, reservedNano: number, amountNano: number, limitNano: number): boolean {
  return amountNano === 0 ? spentNano >= limitNano : spentNano + reservedNano + amountNano > limitNano;
}
