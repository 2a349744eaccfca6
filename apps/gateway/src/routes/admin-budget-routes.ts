import { and, desc, eq, isNull } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { analyzeCostOptimization } from '../budgets/cost-optimization.js';
import { loadSpentNano } from '../budgets/budget-seed.js';
import { createScope, nanoToUsd, type BudgetScopeSpec } from '../budgets/budget-scopes.js';
import type { ModelCatalog } from '../catalog/model-catalog.js';
import type { Database } from '../db/database.js';
import { apiKeys, budgetAlerts, tenants, users, type StoredLimits } from '../db/schema.js';
import type { BudgetLedger } from '../limits/budget-ledger.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import { tenantScopeOf } from './authorize.js';

export interface AdminBudgetRouteOptions {
  database: Database;
  budgetLedger: BudgetLedger;
  catalog: ModelCatalog;
  recorder: UsageRecorder;
}

const tenantQuerySchema = z.object({ tenant_id: z.string().optional() });

/** Budgets and spend of a tenant, the alerts they raised, and where the same work could cost less. */
export const adminBudgetRoutes: FastifyPluginAsyncZod<AdminBudgetRouteOptions> = async (app, { database, budgetLedger, catalog, recorder }) => {
  app.get(
    '/api/v1/admin/budgets',
    { config: { permission: 'budgets.read' }, schema: { querystring: tenantQuerySchema, tags: ['budgets'], summary: 'Every budget of the tenant (tenant, users, keys): limit, spent, reserved in flight' } },
    async (request) => {
      const tenantId = tenantScopeOf(request);
      const now = new Date();
      const [tenantRows, userRows, keyRows] = await Promise.all([
        database.db.select({ id: tenants.id, limits: tenants.limits }).from(tenants).where(eq(tenants.id, tenantId)),
        database.db.select({ id: users.id, limits: users.limits }).from(users).where(eq(users.tenantId, tenantId)),
        database.db.select({ id: apiKeys.id, limits: apiKeys.limits }).from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt))),
      ]);
      const scopes: BudgetScopeSpec[] = [];
      const add = (scope: BudgetScopeSpec['scope'], id: string, limits: StoredLimits) => {
        if (limits.monthly_budget_usd !== undefined) scopes.push(createScope(scope, id, tenantId, 'month', limits.monthly_budget_usd, now));
        if (limits.daily_budget_usd !== undefined) scopes.push(createScope(scope, id, tenantId, 'day', limits.daily_budget_usd, now));
      };
      for (const row of tenantRows) add('tenant', row.id, row.limits);
      for (const row of userRows) add('user', row.id, row.limits);
      for (const row of keyRows) add('key', row.id, row.limits);
      await recorder.flush(true);
      const data = await Promise.all(
        scopes.map(async (scope) => {
          await budgetLedger.ensureSeeded(scope, () => loadSpentNano(database, scope));
          const { spentNano, reservedNano } = await budgetLedger.read(scope);
          return {
            scope: scope.scope,
            scope_id: scope.scopeId,
            period: scope.period,
            period_start: scope.periodStart.toISOString(),
            budget_usd: nanoToUsd(scope.limitNano),
            spent_usd: nanoToUsd(spentNano),
            reserved_usd: nanoToUsd(reservedNano),
            used_percent: scope.limitNano === 0 ? 100 : Math.round((spentNano / scope.limitNano) * 1000) / 10,
          };
        }),
      );
      return { object: 'list', data };
    },
  );

  app.get(
    '/api/v1/admin/budget-alerts',
    { config: { permission: 'budgets.read' }, schema: { querystring: tenantQuerySchema, tags: ['budgets'], summary: 'Budget thresholds crossed (50/80/100%), newest first' } },
    async (request) => {
      const rows = await database.db.select().from(budgetAlerts).where(eq(budgetAlerts.tenantId, tenantScopeOf(request))).orderBy(desc(budgetAlerts.createdAt)).limit(500);
      return {
        object: 'list',
        data: rows.map((row) => ({
          id: row.id,
          scope: row.scope,
          scope_id: row.scopeId,
          period: row.period,
          period_start: row.periodStart.toISOString(),
          threshold_percent: row.threshold,
          budget_usd: row.budgetUsd,
          spent_usd: row.spentUsd,
          created_at: row.createdAt.toISOString(),
        })),
      };
    },
  );

  app.get(
    '/api/v1/admin/cost-optimization',
    {
      config: { permission: 'budgets.read' },
      schema: { querystring: tenantQuerySchema.extend({ days: z.coerce.number().int().min(1).max(366).default(30) }), tags: ['budgets'], summary: 'Spend by model and cheaper models with the same capabilities' },
    },
    async (request) => {
      await recorder.flush(true);
      const since = new Date(Date.now() - request.query.days * 86_400_000);
      const data = await analyzeCostOptimization(database, catalog.list(), tenantScopeOf(request), since);
      return { object: 'cost_optimization', since: since.toISOString(), models: data };
    },
  );
};
