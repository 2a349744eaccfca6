import { describe, expect, it } from 'vitest';
import { MemoryBudgetLedger } from './memory-budget-ledger.js';
import { describeBudgetLedgerBehaviour } from './test-support/budget-ledger-behaviour.js';

describe('MemoryBudgetLedger', () => {
  describeBudgetLedgerBehaviour(async (options) => ({ ledger: new MemoryBudgetLedger(options), cleanup: async () => undefined }), {
    propertyRuns: 200,
  });

  it('forgets a scope a day after its period ends', async () => {
    let now = 1_000_000;
    const ledger = new MemoryBudgetLedger({ now: () => now });
    const scope = { key: 'budget:tenant:t', limitNano: 1000, periodEndMs: 2_000_000 };
    await ledger.settle('r1', [scope], 700);
    now = 2_000_000 + 24 * 60 * 60 * 1000 - 1;
    expect(await ledger.read(scope)).toEqual({ spentNano: 700, reservedNano: 0 });
    now += 1;
    expect(await ledger.read(scope)).toEqual({ spentNano: 0, reservedNano: 0 });
  });
});
