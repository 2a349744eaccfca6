import type { ModelCapabilityRecord } from '@arbiter/shared';
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import type { ListedModel } from '../catalog/model-catalog.js';
import type { Database } from '../db/database.js';
import { usageRecords } from '../db/schema.js';

export interface ModelSpend {
  provider: string;
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: string;
  alternatives: Alternative[];
}

export interface Alternative {
  model: string;
  provider: string;
  /** What the same tokens would have cost at this model's list prices. */
  estimated_cost_usd: string;
  estimated_savings_usd: string;
}

/**
 * Spend by model since `since` for one tenant, and for each model the cheaper models that have at least the same
 * capabilities (tools, vision, JSON schema, reasoning; context window no smaller), priced on the same token counts.
 * An estimate at list prices: caching discounts and quality differences are the reader's judgement.
 */
export async function analyzeCostOptimization(database: Database, catalog: readonly ListedModel[], tenantId: string, since: Date): Promise<ModelSpend[]> {
  const rows = await database.db
    .select({
      provider: usageRecords.provider,
      model: usageRecords.model,
      requests: sql<string>`count(*)::text`,
      inputTokens: sql<string>`coalesce(sum(${usageRecords.inputTokens}), 0)::text`,
      outputTokens: sql<string>`coalesce(sum(${usageRecords.outputTokens}), 0)::text`,
      cost: sql<string>`coalesce(sum(${usageRecords.totalCostUsd}), 0)::text`,
    })
    .from(usageRecords)
    .where(and(eq(usageRecords.tenantId, tenantId), gte(usageRecords.startedAt, since), eq(usageRecords.endpoint, 'chat.completions')))
    .groupBy(usageRecords.provider, usageRecords.model)
    .orderBy(desc(sql`sum(${usageRecords.totalCostUsd})`));
  return rows
    .filter((row) => row.provider !== null && row.model !== null)
    .map((row) => {
      const inputTokens = Number(row.inputTokens);
      const outputTokens = Number(row.outputTokens);
      const current = catalog.find((entry) => entry.provider === row.provider && entry.record.upstream_model === row.model);
      const spent = Number(row.cost);
      return {
        provider: row.provider as string,
        model: row.model as string,
        requests: Number(row.requests),
        input_tokens: inputTokens,
        output_tokens: outputTokens,
        cost_usd: row.cost,
        alternatives: current === undefined ? [] : findAlternatives(current.record, catalog, inputTokens, outputTokens, spent),
      };
    });
}

function findAlternatives(current: ModelCapabilityRecord, catalog: readonly ListedModel[], inputTokens: number, outputTokens: number, spent: number): Alternative[] {
  const alternatives: Alternative[] = [];
  const seen = new Set<string>();
  for (const candidate of catalog) {
    const record = candidate.record;
    if (record.price === null || !record.endpoints.includes('chat') || !covers(record, current)) continue;
    const key = `${candidate.provider}/${record.upstream_model}`;
    if (seen.has(key) || (candidate.provider === current.provider && record.upstream_model === current.upstream_model)) continue;
    seen.add(key);
    const estimated = (inputTokens * record.price.input_per_1m + outputTokens * record.price.output_per_1m) / 1_000_000;
    if (estimated >= spent) continue;
    alternatives.push({ model: record.upstream_model, provider: candidate.provider, estimated_cost_usd: estimated.toFixed(6), estimated_savings_usd: (spent - estimated).toFixed(6) });
  }
  return alternatives.sort((a, b) => Number(b.estimated_savings_usd) - Number(a.estimated_savings_usd)).slice(0, 5);
}

/** Whether `candidate` can do everything `current` can. */
function covers(candidate: ModelCapabilityRecord, current: ModelCapabilityRecord): boolean {
  const need = current.capabilities;
  const have = candidate.capabilities;
  if (need === null || have === null) return false;
  for (const capability of ['tools', 'vision', 'json_schema', 'reasoning'] as const) if (need[capability] && !have[capability]) return false;
  return current.context_window === null || (candidate.context_window !== null && candidate.context_window >= current.context_window);
}
