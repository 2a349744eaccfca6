import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BudgetLedger, BudgetScope } from '../budget-ledger.js';
import { createFakeClock } from './redis-test-client.js';

export interface BudgetLedgerFixture {
  ledger: BudgetLedger;
  cleanup(): Promise<void>;
}

/** Builds a ledger on the given clock (memory, or Redis with the clock replacing Redis TIME for expiry). */
export type BudgetLedgerFactory = (options: { now: () => number }) => Promise<BudgetLedgerFixture>;

const day = 24 * 60 * 60 * 1000;

/** The behaviour both budget ledgers must share, with the clock under the test's control. */
export function describeBudgetLedgerBehaviour(factory: BudgetLedgerFactory, options: { propertyRuns: number }): void {
  let clock: ReturnType<typeof createFakeClock>;
  const fixtures: BudgetLedgerFixture[] = [];

  async function create(): Promise<BudgetLedger> {
    const fixture = await factory({ now: clock.now });
    fixtures.push(fixture);
    return fixture.ledger;
  }

  function scope(key: string, limitNano: number): BudgetScope {
    return { key, limitNano, periodEndMs: clock.start + 30 * day };
  }

  beforeEach(() => {
    clock = createFakeClock();
  });

  afterEach(async () => {
    for (const fixture of fixtures.splice(0)) await fixture.cleanup();
  });

  it('seeds a scope once, from the first load only', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    let loads = 0;
    await ledger.ensureSeeded(tenant, async () => (loads++, 400));
    await ledger.ensureSeeded(tenant, async () => (loads++, 999));
    expect(loads).toBe(1);
    expect(await ledger.read(tenant)).toEqual({ spentNano: 400, reservedNano: 0 });
    expect(await ledger.reserve('r1', [tenant], 600, 60_000)).toEqual({ ok: true });
    expect((await ledger.reserve('r2', [tenant], 1, 60_000)).ok).toBe(false);
  });

  it('lets the first of two concurrent seeds win', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    await Promise.all([ledger.ensureSeeded(tenant, async () => 100), ledger.ensureSeeded(tenant, async () => 200)]);
    expect([100, 200]).toContain((await ledger.read(tenant)).spentNano);
  });

  it('rejects a seed that is not a nano amount', async () => {
    const ledger = await create();
    await expect(ledger.ensureSeeded(scope('budget:tenant:t', 1000), async () => 1.5)).rejects.toThrow(RangeError);
  });

  it('reserves up to the limit and refuses beyond it, saying which scope refused', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    const key = scope('budget:key:k', 500);
    expect(await ledger.reserve('r1', [tenant, key], 300, 60_000)).toEqual({ ok: true });
    expect(await ledger.reserve('r2', [tenant, key], 200, 60_000)).toEqual({ ok: true });
    expect(await ledger.reserve('r3', [tenant, key], 1, 60_000)).toEqual({
      ok: false,
      key: 'budget:key:k',
      limitNano: 500,
      spentNano: 0,
      reservedNano: 500,
    });
    // Refused across scopes atomically: the tenant scope holds only the two admitted reservations.
    expect(await ledger.read(tenant)).toEqual({ spentNano: 0, reservedNano: 500 });
    expect(await ledger.reserve('r4', [tenant], 500, 60_000)).toEqual({ ok: true });
  });

  it('settles: the reservation leaves, the actual cost is spent, and spent before/after come back per scope', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    const user = scope('budget:user:u', 2000);
    await ledger.ensureSeeded(tenant, async () => 450);
    await ledger.reserve('r1', [tenant, user], 100, 60_000);
    expect(await ledger.settle('r1', [tenant, user], 80)).toEqual([
      { key: 'budget:tenant:t', limitNano: 1000, beforeNano: 450, afterNano: 530 },
      { key: 'budget:user:u', limitNano: 2000, beforeNano: 0, afterNano: 80 },
    ]);
    expect(await ledger.read(tenant)).toEqual({ spentNano: 530, reservedNano: 0 });
  });

  it('spends more than reserved when the actual cost is higher, overshooting the limit by that much only', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    await ledger.reserve('r1', [tenant], 900, 60_000);
    expect(await ledger.settle('r1', [tenant], 1200)).toEqual([{ key: 'budget:tenant:t', limitNano: 1000, beforeNano: 0, afterNano: 1200 }]);
    expect(await ledger.reserve('r2', [tenant], 1, 60_000)).toMatchObject({ ok: false, spentNano: 1200, reservedNano: 0 });
  });

  it('releases without spending, and settling twice spends twice but subtracts the reservation once', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    await ledger.reserve('r1', [tenant], 300, 60_000);
    await ledger.reserve('r2', [tenant], 200, 60_000);
    await ledger.release('r1', [tenant]);
    await ledger.release('r1', [tenant]);
    expect(await ledger.read(tenant)).toEqual({ spentNano: 0, reservedNano: 200 });
    await ledger.settle('r2', [tenant], 150);
    await ledger.settle('r2', [tenant], 10);
    expect(await ledger.read(tenant)).toEqual({ spentNano: 160, reservedNano: 0 });
  });

  it('expires a reservation after its ttl, and a late settle does not subtract it again', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    await ledger.reserve('crashed', [tenant], 600, 5000);
    await ledger.reserve('alive', [tenant], 300, 60_000);
    clock.advance(4999);
    expect((await ledger.reserve('early', [tenant], 200, 60_000)).ok).toBe(false);
    clock.advance(1);
    expect(await ledger.read(tenant)).toEqual({ spentNano: 0, reservedNano: 300 });
    expect(await ledger.reserve('late', [tenant], 700, 60_000)).toEqual({ ok: true });
    expect(await ledger.settle('crashed', [tenant], 600)).toEqual([{ key: 'budget:tenant:t', limitNano: 1000, beforeNano: 0, afterNano: 600 }]);
    expect(await ledger.read(tenant)).toEqual({ spentNano: 600, reservedNano: 1000 });
  });

  it('allows a reservation of 0 next to other reservations, but refuses it once the budget is spent', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    await ledger.reserve('r1', [tenant], 1000, 60_000);
    expect(await ledger.reserve('free', [tenant], 0, 60_000)).toEqual({ ok: true });
    await ledger.settle('r1', [tenant], 1000);
    expect(await ledger.reserve('free-2', [tenant], 0, 60_000)).toEqual({
      ok: false,
      key: 'budget:tenant:t',
      limitNano: 1000,
      spentNano: 1000,
      reservedNano: 0,
    });
  });

  it('refuses a reservation id that is already held', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    await ledger.reserve('r1', [tenant], 100, 60_000);
    await expect(ledger.reserve('r1', [tenant], 100, 60_000)).rejects.toThrow(/already exists/);
    expect(await ledger.read(tenant)).toEqual({ spentNano: 0, reservedNano: 100 });
  });

  it('is exact with amounts near 2^53 (about 9 million USD)', async () => {
    const ledger = await create();
    const limit = Number.MAX_SAFE_INTEGER;
    const tenant = scope('budget:tenant:t', limit);
    await ledger.ensureSeeded(tenant, async () => 2 ** 52 + 1);
    expect(await ledger.reserve('r1', [tenant], 2 ** 52 - 3, 60_000)).toEqual({ ok: true });
    expect(await ledger.read(tenant)).toEqual({ spentNano: 2 ** 52 + 1, reservedNano: 2 ** 52 - 3 });
    expect((await ledger.reserve('r2', [tenant], 2, 60_000)).ok).toBe(false);
    expect(await ledger.settle('r1', [tenant], 2 ** 52 - 7)).toEqual([
      { key: 'budget:tenant:t', limitNano: limit, beforeNano: 2 ** 52 + 1, afterNano: 2 ** 53 - 6 },
    ]);
  });

  it('handles empty scope lists and rejects malformed amounts', async () => {
    const ledger = await create();
    const tenant = scope('budget:tenant:t', 1000);
    expect(await ledger.reserve('r1', [], 100, 60_000)).toEqual({ ok: true });
    expect(await ledger.settle('r1', [], 100)).toEqual([]);
    await expect(ledger.reserve('r2', [tenant], -1, 60_000)).rejects.toThrow(RangeError);
    await expect(ledger.reserve('r2', [tenant], 0.5, 60_000)).rejects.toThrow(RangeError);
    await expect(ledger.reserve('r2', [tenant], 1, 0)).rejects.toThrow(RangeError);
    await expect(ledger.reserve('r2', [tenant, tenant], 1, 60_000)).rejects.toThrow(/twice/);
    await expect(ledger.settle('r2', [tenant], Number.MAX_SAFE_INTEGER + 1)).rejects.toThrow(RangeError);
  });

  it('never lets spent + reserved exceed the limit, beyond what settles of expired reservations add', async () => {
    const operation = fc.oneof(
      fc.record({ type: fc.constant('reserve' as const), amount: fc.integer({ min: 0, max: 400 }), ttl: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ type: fc.constant('settle' as const), pick: fc.nat(), share: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ type: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ type: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 2000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 10, maxLength: 40 }), async (operations) => {
        const ledger = await create();
        const tenant = scope(`budget:tenant:${fixtures.length}`, 1000);
        const held = new Map<string, { amount: number; expiresAt: number }>();
        // A reservation that expired no longer holds budget, so settling it later may overshoot by its actual cost.
        let overshootAllowed = 0;
        let next = 0;
        for (const step of operations) {
          if (step.type === 'wait') clock.advance(step.ms);
          if (step.type === 'reserve') {
            const id = `r${next++}`;
            const result = await ledger.reserve(id, [tenant], step.amount, step.ttl);
            if (result.ok) held.set(id, { amount: step.amount, expiresAt: clock.now() + step.ttl });
          }
          if (step.type === 'settle' || step.type === 'release') {
            const id = [...held.keys()][step.pick % Math.max(1, held.size)];
            const reservation = id === undefined ? undefined : held.get(id);
            if (id === undefined || reservation === undefined) continue;
            held.delete(id);
            const actual = step.type === 'settle' ? Math.floor(reservation.amount * step.share) : 0;
            if (clock.now() >= reservation.expiresAt) overshootAllowed += actual;
            if (step.type === 'settle') await ledger.settle(id, [tenant], actual);
            else await ledger.release(id, [tenant]);
          }
          const { spentNano, reservedNano } = await ledger.read(tenant);
          expect(spentNano + reservedNano).toBeLessThanOrEqual(1000 + overshootAllowed);
        }
      }),
      { numRuns: options.propertyRuns },
    );
  });

  describe('concurrency', () => {
    it('admits exactly limit / amount out of 300 concurrent reservations', async () => {
      const ledger = await create();
      const tenant = scope('budget:tenant:hot', 100_000);
      const results = await Promise.all(Array.from({ length: 300 }, (_, index) => ledger.reserve(`r${index}`, [tenant], 1000, 60_000)));
      expect(results.filter((result) => result.ok)).toHaveLength(100);
      expect(await ledger.read(tenant)).toEqual({ spentNano: 0, reservedNano: 100_000 });
    });
  });
}
