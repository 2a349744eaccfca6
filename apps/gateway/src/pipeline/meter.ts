import type { NormalizedUsage } from '@arbiter/shared';
import type { ResolvedModel } from '../catalog/model-catalog.js';
import { computeCost, type CostBreakdown } from '../pricing/compute-cost.js';

export interface Metered {
  usage: NormalizedUsage;
  estimated: boolean;
  /** Null when the model has no known price: recorded as unknown, never as $0. */
  cost: CostBreakdown | null;
  warnings: string[];
}

/** Known before the call: a model without a price is served, and the client is told its cost is unknown. */
export function priceWarnings(model: ResolvedModel): string[] {
  return model.price === null ? [`no price is known for ${model.qualifiedName}; its cost is recorded as unknown`] : [];
}

/** Normalised usage → cost from the price catalog. */
export function meter(model: ResolvedModel, usage: NormalizedUsage, estimated: boolean): Metered {
  if (model.price === null) return { usage, estimated, cost: null, warnings: priceWarnings(model) };
  const warnings = estimated ? ['the upstream reported no usage; tokens were counted by the gateway'] : [];
  return { usage, estimated, cost: computeCost(usage, model.price), warnings };
}
