import { GatewayError, type GatewayConfig, type ModelPrice } from '@arbiter/shared';
import type { ProviderAdapter } from '../providers/shared/provider-adapter.js';
import type { PriceEntry } from '../pricing/compute-cost.js';
import type { CatalogModel, ModelCapabilities } from '../pricing/price-catalog.js';

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
  endpoints: readonly ModelEndpoint[];
}

export interface ListedModel {
  id: string;
  provider: string;
}

/** Which shipped catalog describes a provider's models: by its kind (an OpenAI-compatible server has none). */
const catalogByKind: Record<string, string> = { openai: 'openai', anthropic: 'anthropic' };

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
    // Shipped models are reachable by bare id through every provider of the matching kind; the built-in provider
    // (whose id equals the kind) wins over a config-declared one.
    for (const [providerId, provider] of providers) {
      const catalog = this.byProvider.get(catalogByKind[provider.kind] ?? '');
      if (catalog === undefined) continue;
      for (const model of catalog.values()) {
        const existing = this.bare.get(model.id);
        if (existing !== undefined && providerId !== provider.kind) continue;
        this.bare.set(model.id, this.build(model.id, provider, model.id));
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

  /** Every model a client can call now (its provider has credentials), for GET /v1/models. */
  list(): ListedModel[] {
    const listed: ListedModel[] = [];
    for (const [id, model] of this.bare) {
      if (model.provider.missingCredential() === null) listed.push({ id, provider: model.provider.id });
    }
    return listed.sort((a, b) => a.id.localeCompare(b.id));
  }

  private resolveUncached(requested: string): ResolvedModel {
    let resolved = this.bare.get(requested);
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
      endpoints: shipped === undefined ? ['chat', 'embeddings'] : shipped.mode === 'embedding' ? ['embeddings'] : ['chat'],
    };
  }

  private priceOverride(key: string): ModelPrice | undefined {
    return this.config.prices[key];
  }
}
