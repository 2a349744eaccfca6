import { GatewayError, type ChatCompletionRequest, type GatewayConfig, type RouteStrategy, type RoutingConfig } from '@arbiter/shared';
import type { ModelCatalog, ModelEndpoint, ResolvedModel } from '../catalog/model-catalog.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { TargetStats } from './target-stats.js';

export interface RouteTarget {
  model: ResolvedModel;
  weight: number;
  stats: TargetStats;
  breaker: CircuitBreaker;
}

export interface RoutePlan {
  /** The alias the client asked for, or null for a plain model id. */
  alias: string | null;
  strategy: RouteStrategy;
  /** Targets in the order to try them. */
  targets: RouteTarget[];
}

/**
 * Turns the requested model into the ordered targets to try. Plain model ids are a one-target plan; aliases from
 * arbiter.yaml are ordered by their strategy using live per-target numbers (latency, in-flight, breaker state).
 */
export class Router {
  private readonly routes: Map<string, GatewayConfig['routes'][number]>;
  private readonly auto: GatewayConfig['auto'];
  private readonly stats = new Map<string, { stats: TargetStats; breaker: CircuitBreaker }>();

  constructor(
    private readonly catalog: ModelCatalog,
    config: GatewayConfig,
    readonly settings: RoutingConfig = config.routing,
    private readonly random: () => number = Math.random,
  ) {
    this.routes = new Map(config.routes.map((route) => [route.alias, route]));
    this.auto = config.auto;
  }

  plan(request: Pick<ChatCompletionRequest, 'model'> & Partial<ChatCompletionRequest>, endpoint: ModelEndpoint): RoutePlan {
    if (request.model === 'auto' && !this.routes.has('auto')) return this.planAuto(request, endpoint);
    const route = this.routes.get(request.model);
    if (route === undefined) {
      return { alias: null, strategy: 'fallback', targets: [this.target(this.catalog.resolve(request.model, endpoint), 1)] };
    }
    const targets = route.targets.map((target) => this.target({ ...this.catalog.resolve(target.model, endpoint), requested: request.model }, target.weight));
    return { alias: route.alias, strategy: route.strategy, targets: this.order(route.strategy, targets, request) };
  }

  /**
   * `model: "auto"`: candidates (configured, or every callable priced chat model) that have what the request needs
   * (tools, vision, JSON schema) within the price limit, best first by the preferred measure, as a fallback chain.
   */
  private planAuto(request: Partial<ChatCompletionRequest>, endpoint: ModelEndpoint): RoutePlan {
    const auto = this.auto;
    const needs = requiredCapabilities(request);
    const pool = auto.candidates === undefined ? this.catalog.listCallable(endpoint) : auto.candidates.map((id) => this.catalog.resolve(id, endpoint));
    const qualified = pool.filter((model) => {
      if (model.price === null || model.provider.missingCredential() !== null) return false;
      if (auto.max_price_per_1m !== undefined && (model.price.price.input_per_1m > auto.max_price_per_1m || model.price.price.output_per_1m > auto.max_price_per_1m)) return false;
      return needs.every((need) => model.capabilities?.[need] === true);
    });
    if (qualified.length === 0) {
      throw new GatewayError('model_not_found', {
        message: `No model satisfies model "auto" (needs: ${needs.join(', ') || 'none'}${auto.max_price_per_1m === undefined ? '' : `; at most $${auto.max_price_per_1m} per 1M tokens`}).`,
        param: 'model',
      });
    }
    const targets = qualified.map((model) => this.target({ ...model, requested: 'auto' }, 1));
    const strategy = auto.prefer === 'latency' ? 'lowest-latency' : 'lowest-cost';
    return { alias: 'auto', strategy, targets: this.order(strategy, targets, request).slice(0, auto.max_targets) };
  }

  /** Live state of one target (for tests and, later, the admin API). */
  statsFor(qualifiedName: string): { stats: TargetStats; breaker: CircuitBreaker } | undefined {
    return this.stats.get(qualifiedName);
  }

  private target(model: ResolvedModel, weight: number): RouteTarget {
    let entry = this.stats.get(model.qualifiedName);
    if (entry === undefined) {
      entry = {
        stats: new TargetStats(),
        breaker: new CircuitBreaker({
          failureThreshold: this.settings.circuit_breaker.failure_threshold,
          cooldownMs: this.settings.circuit_breaker.cooldown_ms,
        }),
      };
      this.stats.set(model.qualifiedName, entry);
    }
    return { model, weight, ...entry };
  }

  private order(strategy: RouteStrategy, targets: RouteTarget[], request: Partial<ChatCompletionRequest>): RouteTarget[] {
    switch (strategy) {
      case 'fallback':
        return targets;
      case 'weighted':
        // Efraimidis–Spirakis: sort by u^(1/w); the first is drawn with probability weight/total, the rest follow.
        return targets
          .map((target) => ({ target, key: this.random() ** (1 / target.weight) }))
          .sort((a, b) => b.key - a.key)
          .map(({ target }) => target);
      case 'lowest-latency':
        // Unmeasured targets first, so every target gets measured.
        return [...targets].sort((a, b) => (a.stats.latencyMs ?? -1) - (b.stats.latencyMs ?? -1));
      case 'least-busy':
        return [...targets].sort((a, b) => a.stats.inFlight - b.stats.inFlight);
      case 'lowest-cost': {
        const estimate = estimateTokens(request);
        return [...targets].sort((a, b) => estimatedCost(a, estimate) - estimatedCost(b, estimate));
      }
    }
  }
}

/** What the request needs from a model: tools, vision (image parts), JSON schema output. */
function requiredCapabilities(request: Partial<ChatCompletionRequest>): Array<'tools' | 'vision' | 'json_schema'> {
  const needs: Array<'tools' | 'vision' | 'json_schema'> = [];
  if ((request.tools?.length ?? 0) > 0) needs.push('tools');
  const hasImage = (request.messages ?? []).some(
    (message) => message.role === 'user' && Array.isArray(message.content) && message.content.some((part) => part.type === 'image_url'),
  );
  if (hasImage) needs.push('vision');
  if (request.response_format?.type === 'json_schema') needs.push('json_schema');
  return needs;
}

/** A rough token estimate for ranking only (4 characters a token), never for billing. */
function estimateTokens(request: Partial<ChatCompletionRequest>): { input: number; output: number } {
  const input = Math.ceil(JSON.stringify(request.messages ?? []).length / 4);
  const output = request.max_completion_tokens ?? request.max_tokens ?? 256;
  return { input, output };
}

/** Targets without a known price sort last. */
function estimatedCost(target: RouteTarget, estimate: { input: number; output: number }): number {
  const price = target.model.price?.price;
  if (price === undefined) return Number.POSITIVE_INFINITY;
  return estimate.input * price.input_per_1m + estimate.output * price.output_per_1m;
}
