import { and, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { usageRecords } from '../db/schema.js';
import { usdToNano, type BudgetScopeSpec } from './budget-scopes.js';

/**
 * What a scope has already spent this period, from the usage records: how a budget survives restarts and how a new
 * Redis learns the month so far. Read once per scope and period (the ledger keeps the running total).
 */
export async function loadSpentNano(database: Database, scope: BudgetScopeSpec): Promise<number> {
  const conditions: SQL[] = [gte(usageRecords.startedAt, scope.periodStart)];
  if (scope.scope === 'tenant') conditions.push(eq(usageRecords.tenantId, scope.scopeId));
  if (scope.scope === 'user') conditions.push(eq(usageRecords.userId, scope.scopeId));
  if (scope.scope === 'key') conditions.push(eq(usageRecords.keyId, scope.scopeId));
  const [row] = await database.db
    .select({ spent: sql<string | null>`sum(${usageRecords.totalCostUsd})::text` })
    .from(usageRecords)
    .where(and(...conditions));
  const spent = row?.spent;
  return spent === null || spent === undefined ? 0 : usdToNano(spent, 'ceil');
}
