import type { BatchSummary, GovernanceLog } from '@arbiter/shared';

type Pick = BatchSummary['fastest'];

/** Fastest, cheapest and best-scored completed answers, and what the batch cost. */
export function summarizeBatch(results: readonly GovernanceLog[], evaluationCost: number, wallTimeMs: number): BatchSummary {
  const completed = results.filter((log) => log.success);
  return {
    fastest: pickBest(completed, (log) => log.usage.latency_ms, 'lowest'),
    cheapest: pickBest(completed, (log) => log.cost?.total_cost ?? null, 'lowest'),
    best_scored: pickBest(completed, (log) => log.accuracy?.score ?? null, 'highest'),
    total_cost: roundUsd(results.reduce((sum, log) => sum + (log.cost?.total_cost ?? 0), 0)),
    evaluation_cost: roundUsd(evaluationCost),
    completed: completed.length,
    failed: results.length - completed.length,
    wall_time_ms: Math.round(wallTimeMs),
  };
}

/** Ties go to the earlier model of the request. */
function pickBest(logs: readonly GovernanceLog[], valueOf: (log: GovernanceLog) => number | null, direction: 'lowest' | 'highest'): Pick {
  let best: Pick = null;
  for (const log of logs) {
    const value = valueOf(log);
    if (value === null) continue;
    if (best === null || (direction === 'lowest' ? value < best.value : value > best.value)) {
      best = { id: log.id, host_platform: log.host_platform, model_id: log.model_id, value };
    }
  }
  return best;
}

/** Costs are summed as floats of exact decimals: rounding at 1e-12 USD keeps the sum readable without losing a cent. */
function roundUsd(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}
