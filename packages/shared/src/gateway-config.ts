import { z } from 'zod';

/**
 * The declarative gateway configuration (`arbiter.yaml`). The admin API will edit the same shapes at run time,
 * which is why the schema lives in the shared contracts package.
 */

/** Prices in USD per one million tokens; `per_1k` variants are accepted and converted when the config is read. */
export const modelPriceSchema = z.object({
  input_per_1m: z.number().nonnegative(),
  output_per_1m: z.number().nonnegative(),
  cached_input_per_1m: z.number().nonnegative().optional(),
  cache_write_per_1m: z.number().nonnegative().optional(),
  /** Price of reasoning tokens where a provider bills them differently from text output. */
  reasoning_per_1m: z.number().nonnegative().optional(),
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

const per1kPriceSchema = z.object({
  input_per_1k: z.number().nonnegative(),
  output_per_1k: z.number().nonnegative(),
  cached_input_per_1k: z.number().nonnegative().optional(),
  cache_write_per_1k: z.number().nonnegative().optional(),
  reasoning_per_1k: z.number().nonnegative().optional(),
});

/** Accepts per-1M or per-1K prices and always yields per-1M. */
export const priceInputSchema = z.union([modelPriceSchema, per1kPriceSchema.transform(convertPer1kPrice)]);

function convertPer1kPrice(price: z.infer<typeof per1kPriceSchema>): ModelPrice {
  const scale = (value: number | undefined): number | undefined => (value === undefined ? undefined : value * 1000);
  return {
    input_per_1m: price.input_per_1k * 1000,
    output_per_1m: price.output_per_1k * 1000,
    cached_input_per_1m: scale(price.cached_input_per_1k),
    cache_write_per_1m: scale(price.cache_write_per_1k),
    reasoning_per_1m: scale(price.reasoning_per_1k),
  };
}

export const providerKindSchema = z.enum(['openai', 'anthropic', 'openai-compatible', 'azure', 'bedrock', 'gemini', 'vertex']);
export type ProviderKind = z.infer<typeof providerKindSchema>;

/** Behaviour differences of OpenAI-compatible servers, so that none of them needs code. */
export const providerQuirksSchema = z.object({
  /** The server understands `stream_options.include_usage` (vLLM, llama.cpp, Ollama ≥0.5 do; some do not). */
  stream_usage: z.boolean().default(true),
  /** The server rejects `max_completion_tokens` and wants `max_tokens`. */
  max_tokens_field: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
  /** The server does not implement `response_format: json_schema`; the gateway downgrades it to `json_object`. */
  json_schema: z.boolean().default(true),
  /** Parameters the server rejects: dropped with a warning instead of sending them. */
  unsupported_params: z.array(z.string()).default([]),
});
export type ProviderQuirks = z.infer<typeof providerQuirksSchema>;

export const providerConfigSchema = z.object({
  kind: providerKindSchema,
  base_url: z.url().optional(),
  /** Name of the environment variable that holds the key (never the key itself in a file). */
  api_key_env: z.string().optional(),
  /** Extra headers sent with every upstream request. */
  headers: z.record(z.string(), z.string()).default({}),
  timeout_ms: z.number().int().positive().default(600_000),
  /** Azure OpenAI: the api-version query parameter. */
  api_version: z.string().optional(),
  /** AWS Bedrock: the region of the runtime endpoint. */
  region: z.string().optional(),
  /** Vertex AI: project and location (default: the service account's project, location `global`). */
  project: z.string().optional(),
  location: z.string().optional(),
  connections: z.number().int().positive().default(128),
  quirks: providerQuirksSchema.default(providerQuirksSchema.parse({})),
});
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export const modelEndpointSchema = z.enum(['chat', 'embeddings']);

export const modelConfigSchema = z.object({
  /** The id clients send (bare); `<provider>/<id>` always works too. */
  id: z.string().min(1),
  provider: z.string().min(1),
  /** The name the upstream knows the model by, when it differs from `id`. */
  upstream_model: z.string().optional(),
  endpoints: z.array(modelEndpointSchema).default(['chat']),
  price: priceInputSchema.optional(),
  context_window: z.number().int().positive().optional(),
});
export type ModelConfig = z.infer<typeof modelConfigSchema>;

export const routeStrategySchema = z.enum(['fallback', 'weighted', 'lowest-latency', 'lowest-cost', 'least-busy']);
export type RouteStrategy = z.infer<typeof routeStrategySchema>;

/** A model alias served by several targets (`provider/model` or catalog ids), tried in the strategy's order. */
export const routeConfigSchema = z.object({
  alias: z.string().min(1),
  strategy: routeStrategySchema.default('fallback'),
  targets: z
    .array(z.object({ model: z.string().min(1), weight: z.number().positive().default(1) }))
    .min(1),
});
export type RouteConfig = z.infer<typeof routeConfigSchema>;

export const routingConfigSchema = z.object({
  /** Attempts per request across all targets (1 = no retry; the default retries a transient failure once). */
  max_attempts: z.number().int().min(1).max(10).default(2),
  /** Exponential backoff with full jitter between attempts; an upstream Retry-After is honoured up to the maximum. */
  base_delay_ms: z.number().int().nonnegative().default(100),
  max_delay_ms: z.number().int().nonnegative().default(2000),
  circuit_breaker: z
    .object({
      /** Consecutive retryable failures that open a target's circuit. */
      failure_threshold: z.number().int().min(1).default(5),
      /** How long an open circuit refuses the target before one half-open probe is let through. */
      cooldown_ms: z.number().int().positive().default(30_000),
    })
    .default({ failure_threshold: 5, cooldown_ms: 30_000 }),
});
export type RoutingConfig = z.infer<typeof routingConfigSchema>;

/** `model: "auto"`: the gateway picks among candidates that satisfy the request's needs and these limits. */
export const autoRouteConfigSchema = z.object({
  /** Model ids to choose from; default: every chat model whose provider has credentials and a known price. */
  candidates: z.array(z.string().min(1)).optional(),
  prefer: z.enum(['cost', 'latency']).default('cost'),
  /** A candidate qualifies when both its input and its output price per 1M tokens are at most this. */
  max_price_per_1m: z.number().positive().optional(),
  /** How many of the best candidates form the fallback chain. */
  max_targets: z.number().int().min(1).max(10).default(3),
});
export type AutoRouteConfig = z.infer<typeof autoRouteConfigSchema>;

/** A governance context's prompts: the system prompt the analysed models get and the rubric the judge grades with. */
export const governancePromptTemplateSchema = z.object({
  /** Recorded with every analysis and grade, so history says which wording produced it. */
  version: z.string().min(1).max(64),
  system: z.string().min(1),
  rubric: z.string().min(1),
});
export type GovernancePromptTemplate = z.infer<typeof governancePromptTemplateSchema>;

export const governanceJudgeConfigSchema = z.object({
  /** The default panel: one judge (seed default: Gemini Pro on Vertex), or several whose mean is the score. */
  models: z.array(z.string().min(1)).min(1).max(8).default(['gcp_vertex:gemini-2.5-pro']),
  /** Per judge, both attempts included: a slow judge gives no score, never a slow analysis. */
  timeout_ms: z.number().int().positive().default(60_000),
  /** Includes a thinking model's reasoning tokens (Gemini 2.5 Pro always thinks): room for both, and a bound on cost. */
  max_output_tokens: z.number().int().positive().default(4096),
});

export const governanceConfigSchema = z.object({
  judge: governanceJudgeConfigSchema.default(governanceJudgeConfigSchema.parse({})),
  /** Each model of a batch runs under its own deadline; one slow model fails alone. */
  model_timeout_ms: z.number().int().positive().default(120_000),
  /** Per-model deadlines keyed by `host_platform:model_id`. */
  model_timeouts: z.record(z.string(), z.number().int().positive()).default({}),
  /** Model and judge calls of one request in flight at once. */
  max_concurrency: z.number().int().min(1).max(256).default(16),
  max_models: z.number().int().min(1).max(100).default(32),
  /** Prompt templates per governance_context: overrides of the built-in aws/gcp/azure/general, or new contexts. */
  prompts: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), governancePromptTemplateSchema).default({}),
});
export type GovernanceConfig = z.infer<typeof governanceConfigSchema>;

/** The guardrail templates the gateway ships; `none` turns the guard steps off. */
export const guardrailPolicyNameSchema = z.enum(['none', 'bfsi', 'permissive', 'strict']);
export type GuardrailPolicyName = z.infer<typeof guardrailPolicyNameSchema>;

/**
 * Which policy the input and output guards apply: a template name or an inline policy. The inline policy is kept
 * loose here (`unknown` values): its shape belongs to the gateway's detector catalogue, which validates it when the
 * gateway starts and says what is wrong.
 */
export const guardrailPolicySpecSchema = z.union([guardrailPolicyNameSchema, z.record(z.string(), z.unknown())], {
  error: `expected a policy template (${guardrailPolicyNameSchema.options.join(', ')}) or an inline policy object`,
});
export type GuardrailPolicySpec = z.infer<typeof guardrailPolicySpecSchema>;

export const guardrailsConfigSchema = z.object({
  /** The default policy of every tenant without its own (none: no detector is even loaded). */
  policy: guardrailPolicySpecSchema.default('none'),
  /**
   * The environment variable holding the key of `hash` redaction (keyed-hash pseudonyms): each tenant's pseudonyms
   * are derived from it, so they are stable within a tenant and unlinkable across tenants. Required only by policies
   * that redact with `hash`.
   */
  pseudonym_key_env: z.string().min(1).optional(),
  /**
   * Characters of streamed output held back so that a value split across chunks is whole when it is scanned: longer
   * catches longer values, and delays the stream by as many characters.
   */
  stream_window: z.number().int().min(16).max(4096).default(128),
});
export type GuardrailsConfig = z.infer<typeof guardrailsConfigSchema>;

export const gatewayConfigSchema = z.object({
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), providerConfigSchema).default({}),
  models: z.array(modelConfigSchema).default([]),
  routes: z.array(routeConfigSchema).default([]),
  auto: autoRouteConfigSchema.default(autoRouteConfigSchema.parse({})),
  routing: routingConfigSchema.default(routingConfigSchema.parse({})),
  /** Price overrides keyed by `<provider>/<model>` or a bare model id. */
  prices: z.record(z.string(), priceInputSchema).default({}),
  usage: z
    .object({
      /** Keep prompt and response text in usage records. */
      record_content: z.boolean().default(true),
      /** Small, frequent batches: each write stays far below a millisecond of work on the event loop. */
      flush_interval_ms: z.number().int().positive().default(200),
      max_batch: z.number().int().positive().default(250),
    })
    .default({ record_content: true, flush_interval_ms: 200, max_batch: 250 }),
  governance: governanceConfigSchema.default(governanceConfigSchema.parse({})),
  guardrails: guardrailsConfigSchema.default(guardrailsConfigSchema.parse({})),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
