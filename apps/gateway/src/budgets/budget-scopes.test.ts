import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResolvedModel } from '../catalog/model-catalog.js';
import { maxCostNano } from '../pipeline/admit.js';
import { MASTER_PRINCIPAL, type Principal } from '../pipeline/authenticate.js';
import { computeCost } from '../pricing/compute-cost.js';
import { crossedThresholds } from './budget-alerts.js';
import { createScope, nanoToUsd, resolveBudgetScopes, usdToNano } from './budget-scopes.js';

describe('budget amounts', () => {
  it('converts exact decimals to nano-USD, budgets down and costs up', () => {
    expect(usdToNano('12.5', 'floor')).toBe(12_500_000_000);
    expect(usdToNano('0.0000000015', 'floor')).toBe(1);
    expect(usdToNano('0.0000000015', 'ceil')).toBe(2);
    expect(usdToNano('0.0002202', 'ceil')).toBe(220_200);
    expect(nanoToUsd(220_200)).toBe('0.0002202');
    expect(nanoToUsd(5_000_000_000)).toBe('5');
    expect(() => usdToNano('-1', 'floor')).toThrow(RangeError);
  });

  it('names calendar periods in UTC and reuses a scope within its period only', () => {
    const november = createScope('tenant', 't1', 't1', 'month', '10', new Date('2026-11-30T23:59:59Z'));
    expect(november).toMatchObject({ key: 'budget:tenant:t1:month:2026-11', periodEndMs: Date.parse('2026-12-01T00:00:00Z'), limitNano: 10_000_000_000 });
    expect(createScope('tenant', 't1', 't1', 'month', '10', new Date('2026-11-02T00:00:00Z'))).toBe(november);
    const december = createScope('tenant', 't1', 't1', 'month', '10', new Date('2026-12-01T00:00:00Z'));
    expect(december.key).toBe('budget:tenant:t1:month:2026-12');
    expect(createScope('key', 'k', 't1', 'day', '1', new Date('2026-11-23T12:00:00Z')).key).toBe('budget:key:k:day:2026-11-23');
  });

  it('resolves every level that has a budget, and none when nothing is set', () => {
    const principal: Principal = {
      ...MASTER_PRINCIPAL,
      tenantId: 't1',
      keyId: 'k1',
      userId: 'u1',
      role: 'user',
      kind: 'api_key',
      limits: { tenant: { monthly_budget_usd: '100' }, user: { daily_budget_usd: '5' }, key: { monthly_budget_usd: '1', daily_budget_usd: '0.5' } },
    };
    const now = new Date('2026-11-23T10:00:00Z');
    expect(resolveBudgetScopes(principal, '1000', now).map((scope) => scope.key)).toEqual([
      'budget:global:all:month:2026-11',
      'budget:tenant:t1:month:2026-11',
      'budget:user:u1:day:2026-11-23',
      'budget:key:k1:month:2026-11',
      'budget:key:k1:day:2026-11-23',
    ]);
    expect(resolveBudgetScopes({ ...principal, limits: { tenant: {}, user: null, key: {} } }, undefined, now)).toEqual([]);
  });

  it('reports each 50/80/100 % threshold exactly when a settle crosses it', () => {
    expect(crossedThresholds({ beforeNano: 0, afterNano: 49, limitNano: 100 })).toEqual([]);
    expect(crossedThresholds({ beforeNano: 49, afterNano: 50, limitNano: 100 })).toEqual([50]);
    expect(crossedThresholds({ beforeNano: 10, afterNano: 120, limitNano: 100 })).toEqual([50, 80, 100]);
    expect(crossedThresholds({ beforeNano: 100, afterNano: 130, limitNano: 100 })).toEqual([]);
  });
});

describe('the reservation', () => {
  const price = fc.record({
    input_per_1m: fc.integer({ min: 0, max: 150_000 }).map((cents) => cents / 1000),
    output_per_1m: fc.integer({ min: 0, max: 600_000 }).map((cents) => cents / 1000),
    reasoning_per_1m: fc.option(fc.integer({ min: 0, max: 600_000 }).map((cents) => cents / 1000), { nil: undefined }),
    cached_input_per_1m: fc.option(fc.integer({ min: 0, max: 150_000 }).map((cents) => cents / 1000), { nil: undefined }),
    cache_write_per_1m: fc.option(fc.integer({ min: 0, max: 200_000 }).map((cents) => cents / 1000), { nil: undefined }),
  });

  it('is never below the exact cost of any answer the request allows', () => {
    fc.assert(
      fc.property(price, fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (modelPrice, inputTokens, maxOutput, inputShare, reasoningShare) => {
        const model = { price: { price: modelPrice }, maxOutputTokens: null } as unknown as ResolvedModel;
        const input = Math.floor(inputTokens * inputShare);
        const reasoning = Math.floor(maxOutput * reasoningShare);
        const cacheWrite = Math.floor(input / 2);
        const usage = { input: { total: input, noCache: input - cacheWrite, cacheRead: 0, cacheWrite }, output: { total: maxOutput, text: maxOutput - reasoning, reasoning } };
        const exact = usdToNano(computeCost(usage, model.price!).total, 'ceil');
        expect(maxCostNano({ candidates: [model], inputTokens, maxOutputTokens: maxOutput })).toBeGreaterThanOrEqual(exact);
      }),
    );
  });

  it('takes the dearest candidate and skips models without a price', () => {
    const cheap = { price: { price: { input_per_1m: 0.1, output_per_1m: 0.4 } }, maxOutputTokens: 1000 } as unknown as ResolvedModel;
    const dear = { price: { price: { input_per_1m: 3, output_per_1m: 15 } }, maxOutputTokens: 1000 } as unknown as ResolvedModel;
    const unpriced = { price: null, maxOutputTokens: null } as unknown as ResolvedModel;
    // 100 × $3/1M + 1000 × $15/1M = $0.0153 (the model's own maximum caps the default allowance).
    expect(maxCostNano({ candidates: [cheap, dear, unpriced], inputTokens: 100, maxOutputTokens: null })).toBe(15_300_001);
    expect(maxCostNano({ candidates: [unpriced], inputTokens: 100, maxOutputTokens: 10 })).toBe(0);
  });
});
