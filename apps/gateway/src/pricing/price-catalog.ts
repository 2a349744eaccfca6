import { readdirSync, readFileSync } from 'node:fs';
import { modelPriceSchema, type ModelPrice } from '@arbiter/shared';
import { z } from 'zod';
import type { PriceEntry } from './compute-cost.js';

const capabilitiesSchema = z.object({
  tools: z.boolean(),
  vision: z.boolean(),
  json_schema: z.boolean(),
  reasoning: z.boolean(),
  prompt_caching: z.boolean(),
});
export type ModelCapabilities = z.infer<typeof capabilitiesSchema>;

const catalogFileSchema = z.object({
  source: z.object({ name: z.string(), commit: z.string(), commit_date: z.string(), units: z.string() }).loose(),
  models: z.record(
    z.string(),
    z.object({
      mode: z.enum(['chat', 'embedding']),
      price: modelPriceSchema,
      price_above_200k: modelPriceSchema.optional(),
      context_window: z.number().optional(),
      max_output_tokens: z.number().optional(),
      capabilities: capabilitiesSchema,
    }),
  ),
});

export interface CatalogModel extends PriceEntry {
  provider: string;
  id: string;
  mode: 'chat' | 'embedding';
  contextWindow: number | null;
  maxOutputTokens: number | null;
  capabilities: ModelCapabilities;
}

const pricingDirectory = new URL('../../data/pricing/', import.meta.url);

/** The shipped price catalog: one file per provider kind, facts with their source and date. */
export function loadShippedCatalog(directory: URL = pricingDirectory): CatalogModel[] {
  const models: CatalogModel[] = [];
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json')).sort()) {
    const provider = file.replace(/\.json$/, '');
    const parsed = catalogFileSchema.parse(JSON.parse(readFileSync(new URL(file, directory), 'utf8')));
    for (const [id, entry] of Object.entries(parsed.models)) {
      models.push({
        provider,
        id,
        mode: entry.mode,
        price: entry.price,
        priceAbove200k: entry.price_above_200k,
        contextWindow: entry.context_window ?? null,
        maxOutputTokens: entry.max_output_tokens ?? null,
        capabilities: entry.capabilities,
      });
    }
  }
  return models;
}

export type { ModelPrice };
