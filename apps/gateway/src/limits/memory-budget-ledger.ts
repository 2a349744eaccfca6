import {
  isRefused,
  scopeRetentionMs,
  validateNano,
  validateScopes,
  validateTtl,
  type BudgetLedger,
  type BudgetScope,
  type ReserveResult,
  type SettleCrossing,
} from './budget-ledger.js';

interface ScopeState {
  /** undefined until seeded (a settle before seeding starts it at 0). */
  spent: number | undefined;
  reserved: number;
  /** reservation id → amount and expiry. */
  reservations: Map<string, { amount: number; expiresAt: number }>;
  /** The earliest expiry among the reservations (or earlier), so purging does not scan on every call. */
  nextExpiry: number;
  /** When the counter is forgotten: a day after the period ends. */
  forgetAt: number;
}

export interface MemoryBudgetLedgerOptions {
  /** The clock in ms; tests inject their own. */
  now?: () => number;
}

const sweepIntervalMs = 60_000;

/** The embedded default: one process holds the counters, so each call is atomic by running without an await. */
export class MemoryBudgetLedger implements BudgetLedger {
  private readonly scopes = new Map<string, ScopeState>();
  private readonly now: () => number;
  private lastSweep: number;

  constructor(options: MemoryBudgetLedgerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.lastSweep = this.now();
  }

  async ensureSeeded(scope: BudgetScope, load: () => Promise<number>): Promise<void> {
    validateScopes([scope]);
    if (this.state(scope, this.now()).spent !== undefined) return;
    const spent = await load();
    validateNano(`seeded spend of ${scope.key}`, spent);
    // Re-read after the await: another caller may have seeded meanwhile, and the first one wins.
    const state = this.state(scope, this.now());
    state.spent ??= spent;
  }

  async reserve(reservationId: string, scopes: BudgetScope[], amountNano: number, ttlMs: number): Promise<ReserveResult> {
    validateScopes(scopes);
    validateNano('amountNano', amountNano);
    validateTtl(ttlMs);
    const now = this.now();
    this.sweep(now);
    const states = scopes.map((scope) => this.state(scope, now));
    for (const [index, state] of states.entries()) {
      const scope = scopes[index];
      if (scope === undefined) continue;
      if (state.reservations.has(reservationId)) throw new Error(`reservation ${reservationId} already exists in ${scope.key}`);
      const spent = state.spent ?? 0;
      if (isRefused(spent, state.reserved, amountNano, scope.limitNano)) {
        return { ok: false, key: scope.key, limitNano: scope.limitNano, spentNano: spent, reservedNano: state.reserved };
      }
    }
    const expiresAt = now + ttlMs;
    for (const state of states) {
      state.reserved += amountNano;
      state.reservations.set(reservationId, { amount: amountNano, expiresAt });
      state.nextExpiry = Math.min(state.nextExpiry, expiresAt);
    }
    return { ok: true };
  }

  async settle(reservationId: string, scopes: BudgetScope[], actualNano: number): Promise<SettleCrossing[]> {
    validateScopes(scopes);
    validateNano('actualNano', actualNano);
    const now = this.now();
    return scopes.map((scope) => {
      const state = this.state(scope, now);
      this.removeReservation(state, reservationId);
      const beforeNano = state.spent ?? 0;
      state.spent = beforeNano + actualNano;
      return { key: scope.key, limitNano: scope.limitNano, beforeNano, afterNano: state.spent };
    });
  }

  async release(reservationId: string, scopes: BudgetScope[]): Promise<void> {
    validateScopes(scopes);
    const now = this.now();
    for (const scope of scopes) this.removeReservation(this.state(scope, now), reservationId);
  }

  async read(scope: BudgetScope): Promise<{ spentNano: number; reservedNano: number }> {
    validateScopes([scope]);
    const state = this.state(scope, this.now());
    return { spentNano: state.spent ?? 0, reservedNano: state.reserved };
  }

  async close(): Promise<void> {
    this.scopes.clear();
  }

  /** The scope's live state at `now`: expired reservations purged, a forgotten counter started afresh. */
  private state(scope: BudgetScope, now: number): ScopeState {
    let state = this.scopes.get(scope.key);
    if (state === undefined || state.forgetAt <= now) {
      state = { spent: undefined, reserved: 0, reservations: new Map(), nextExpiry: Infinity, forgetAt: 0 };
      this.scopes.set(scope.key, state);
    }
    // Like PEXPIREAT on every write in Redis: the latest period end wins.
    state.forgetAt = scope.periodEndMs + scopeRetentionMs;
    if (state.nextExpiry <= now) {
      state.nextExpiry = Infinity;
      for (const [id, reservation] of state.reservations) {
        if (reservation.expiresAt <= now) this.removeReservation(state, id);
        else state.nextExpiry = Math.min(state.nextExpiry, reservation.expiresAt);
      }
    }
    return state;
  }

  private removeReservation(state: ScopeState, reservationId: string): void {
    const reservation = state.reservations.get(reservationId);
    if (reservation === undefined) return;
    state.reservations.delete(reservationId);
    state.reserved = Math.max(0, state.reserved - reservation.amount);
  }

  /** Forgets counters past their retention, so old periods do not accumulate. */
  private sweep(now: number): void {
    if (now - this.lastSweep < sweepIntervalMs) return;
    this.lastSweep = now;
    for (const [key, state] of this.scopes) if (state.forgetAt <= now) this.scopes.delete(key);
  }
}
