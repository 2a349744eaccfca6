import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import { budgetAlerts } from '../db/schema.js';
import type { SettleCrossing } from '../limits/budget-ledger.js';
import { nanoToUsd, type BudgetScopeSpec } from './budget-scopes.js';

export const alertThresholds = [50, 80, 100] as const;

/** Thresholds (percent of the limit) that one settle crossed: before < t% ≤ after. */
export function crossedThresholds(crossing: Pick<SettleCrossing, 'beforeNano' | 'afterNano' | 'limitNano'>): number[] {
  if (crossing.limitNano <= 0) return [];
  return alertThresholds.filter((threshold) => {
    const mark = (crossing.limitNano * threshold) / 100;
    return crossing.beforeNano < mark && crossing.afterNano >= mark;
  });
}

/**
 * Records a budget alert event per threshold crossed. The ledger reports each crossing to exactly one settle (one
 * replica); the unique index makes a repeat (say, after a reseed) a no-op. Delivery (webhooks) reads these rows later.
 */
export async function recordBudgetAlerts(database: Database, scopes: BudgetScopeSpec[], crossings: SettleCrossing[]): Promise<void> {
  const rows = [];
  for (const crossing of crossings) {
    const scope = scopes.find((candidate) => candidate.key === crossing.key);
    if (scope === undefined) continue;
    for (const threshold of crossedThresholds(crossing)) {
      rows.push({
        id: randomUUID(),
        tenantId: scope.tenantId,
        scope: scope.scope,
        scopeId: scope.scopeId,
        period: scope.period,
        periodStart: scope.periodStart,
        threshold,
        budgetUsd: nanoToUsd(scope.limitNano),
        spentUsd: nanoToUsd(crossing.afterNano),
        createdAt: new Date(),
      });
    }
  }
  if (rows.length > 0) await database.db.insert(budgetAlerts).values(rows).onConflictDoNothing();
}
