import { GatewayError, type GatewayConfig, type ModelCapabilityRecord, type ModelPrice } from '@arbiter/shared';
import type { ProviderAdapter } from '../providers/shared/provider-adapter.js';
import type { PriceEntry } from '../pricing/compute-cost.js';
import type { CatalogModel, ModelCapabilities } from '../pricing/price-catalog.js';
import { parseHostPlatformModel } from './seed-naming.js';

export type ModelEndpoint = 'chat' | 'embeddings';

export interface ResolvedModel {
  /** What the client asked for, as sent. */
  requested: string;
  provider: ProviderAdapter;
  /** The name sent upstream. */
  upstreamModel: string;
  /** `<provider>/<model>`, the name in records and headers. */
  qualifiedName: string;
  /** Null when no price is known: the request is served and recorded with cost null and a warning, never $0. */
  price: PriceEntry | null;
  capabilities: ModelCapabilities | null;
  maxOutputTokens: number | null;
  contextWindow: number | null;
  endpoints: readonly ModelEndpoint[];
}

/** The capability record of a model (GET /v1/models `arbiter` field). */
export function describeModel(model: ResolvedModel): ModelCapabilityRecord {
  const price = model.price?.price;
  return {
    provider: model.provider.id,
    upstream_model: model.upstreamModel,
    endpoints: [...model.endpoints],
    context_window: model.contextWindow,
    max_output_tokens: model.maxOutputTokens,
    capabilities:
      model.capabilities === null ? null : { ...model.capabilities, streaming: model.endpoints.includes('chat') },
    price:
      price === undefined
        ? null
        : {
            input_per_1m: price.input_per_1m,
            output_per_1m: price.output_per_1m,
            cached_input_per_1m: price.cached_input_per_1m ?? null,
            cache_write_per_1m: price.cache_write_per_1m ?? null,
          },
  };
}

/** Credentials first, then the preference order, built-in providers (id = kind) before config-declared ones. */
function providerRank(provider: ProviderAdapter): number {
  const kindRank = bareIdPreference.indexOf(provider.kind);
  return (provider.missingCredential() === null ? 0 : 100) + (kindRank < 0 ? 50 : kindRank) * 2 + (provider.id === provider.kind ? 0 : 1);
}

export interface ListedModel {
  id: string;
  provider: string;
  record: ModelCapabilityRecord;
}

/** Which shipped catalog describes a provider's models: by its kind (an OpenAI-compatible server has none). */
const catalogByKind: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  azure: 'azure',
  bedrock: 'bedrock',
  gemini: 'gemini',
  vertex: 'vertex',
};

/**
 * When several providers serve the same bare id (gpt-4o on OpenAI and Azure, gemini-2.5-pro on the Gemini API and
 * Vertex), the bare id goes to one with credentials, the first in this order; `provider/model` always picks exactly.
 */
const bareIdPreference = ['openai', 'anthropic', 'gemini', 'vertex', 'bedrock', 'azure'];

/**
 * Resolves model ids, bare (`gpt-4o-mini`, looked up in config then in the shipped catalog) or provider-prefixed
 * (`openai/gpt-4o-mini`, `ollama/llama3.1`). Built once at start-up; lookups are map reads.
 */
export class ModelCatalog {
  private readonly bare = new Map<string, ResolvedModel>();
  private readonly byProvider = new Map<string, Map<string, CatalogModel>>();
  private readonly cache = new Map<string, ResolvedModel>();

  constructor(
    private readonly providers: ReadonlyMap<string, ProviderAdapter>,
    shipped: readonly CatalogModel[],
    private readonly config: GatewayConfig,
  ) {
    for (const model of shipped) {
      let models = this.byProvider.get(model.provider);
      if (models === undefined) this.byProvider.set(model.provider, (models = new Map()));
      models.set(model.id, model);
    }
    // Shipped models are reachable by bare id through the most preferred provider that serves them.
    for (const provider of [...providers.values()].sort((a, b) => providerRank(a) - providerRank(b))) {
      const catalog = this.byProvider.get(catalogByKind[provider.kind] ?? '');
      if (catalog === undefined) continue;
      for (const model of catalog.values()) {
        if (!this.bare.has(model.id)) this.bare.set(model.id, this.build(model.id, provider, model.id));
      }
    }
    for (const model of config.models) {
      const provider = providers.get(model.provider);
      if (provider === undefined) throw new Error(`model ${model.id}: provider ${model.provider} is not configured`);
      const resolved = this.build(model.id, provider, model.upstream_model ?? model.id);
      this.bare.set(model.id, {
        ...resolved,
        price: model.price === undefined ? resolved.price : { price: model.price },
        endpoints: model.endpoints,
      });
    }
  }

  resolve(requested: string, endpoint: ModelEndpoint): ResolvedModel {
    const cached = this.cache.get(requested) ?? this.resolveUncached(requested);
    if (!cached.endpoints.includes(endpoint)) {
      throw new GatewayError('method_not_supported', {
        message: `The model ${requested} does not support ${endpoint === 'chat' ? 'chat completions' : 'embeddings'}.`,
        param: 'model',
      });
    }
    return cached;
  }

  /** Every model of an endpoint that can be called now (its provider has credentials), resolved. */
  listCallable(endpoint: ModelEndpoint): ResolvedModel[] {
    return [...this.bare.values()].filter((model) => model.endpoints.includes(endpoint) && model.provider.missingCredential() === null);
  }

  /** Every model a client can call now (its provider has credentials), for GET /v1/models. */
  list(): ListedModel[] {
    const listed: ListedModel[] = [];
    for (const [id, model] of this.bare) {
      if (model.provider.missingCredential() === null) listed.push({ id, provider: model.provider.id, record: describeModel(model) });
    }
    return listed.sort((a, b) => a.id.localeCompare(b.id));
  }

  private resolveUncached(requested: string): ResolvedModel {
    let resolved = this.bare.get(requested);
    const seedForm = resolved === undefined ? parseHostPlatformModel(requested) : null;
    if (seedForm !== null) return { ...this.resolveUncached(seedForm), requested };
    if (resolved === undefined) {
      const slash = requested.indexOf('/');
      const provider = slash > 0 ? this.providers.get(requested.slice(0, slash)) : undefined;
      if (provider === undefined) {
        throw new GatewayError('model_not_found', {
          message: `The model '${requested}' does not exist or is not served by this gateway.`,
          param: 'model',
        });
      }
      const upstreamModel = requested.slice(slash + 1);
      const configured = this.config.models.find((model) => model.provider === provider.id && model.id === upstreamModel);
      resolved = configured === undefined ? this.build(upstreamModel, provider, upstreamModel) : this.bare.get(configured.id);
      if (resolved === undefined) throw new Error('unreachable: configured model missing from the bare map');
    }
    resolved = { ...resolved, requested };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(requested, resolved);
    return resolved;
  }

  private build(id: string, provider: ProviderAdapter, upstreamModel: string): ResolvedModel {
    const shipped = this.byProvider.get(catalogByKind[provider.kind] ?? '')?.get(upstreamModel);
    const override = this.priceOverride(`${provider.id}/${upstreamModel}`) ?? this.priceOverride(id);
    const price: PriceEntry | null =
      override !== undefined ? { price: override } : shipped === undefined ? null : { price: shipped.price, priceAbove200k: shipped.priceAbove200k };
    return {
      requested: id,
      provider,
      upstreamModel,
      qualifiedName: `${provider.id}/${upstreamModel}`,
      price,
      capabilities: shipped?.capabilities ?? null,
      maxOutputTokens: shipped?.maxOutputTokens ?? null,
      contextWindow: shipped?.contextWindow ?? null,
      endpoints: shipped === undefined ? ['chat', 'embeddings'] : shipped.mode === 'embedding' ? ['embeddings'] : ['chat'],
    };
  }

  private priceOverride(key: string): ModelPrice | undefined {
    return this.config.prices[key];
  }
}
