import { GatewayError, type JudgeSpec, type ModelSpec } from '@arbiter/shared';
import type { ModelCatalog } from '../catalog/model-catalog.js';
import { qualifyHostPlatformModel, seedProviderName } from '../catalog/seed-naming.js';
import type { ProviderAdapter } from '../providers/shared/provider-adapter.js';

/** `aws_bedrock:anthropic.claude-3-sonnet-20240229-v1:0`: how the seed writes a model on command lines and in keys. */
export function formatModelSpec(spec: ModelSpec): string {
  return `${spec.host_platform}:${spec.model_id}`;
}

/** The inverse of formatModelSpec: split at the first colon (Bedrock model ids contain colons themselves). */
export function parseModelSpec(text: string): ModelSpec {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new Error(`'${text}' is not host_platform:model_id (e.g. openai:gpt-4o, aws_bedrock:anthropic.claude-3-sonnet-20240229-v1:0)`);
  }
  return { host_platform: text.slice(0, colon).trim(), model_id: text.slice(colon + 1).trim() };
}

/**
 * The model string the pipeline resolves: the seed form for the seed's host platforms (so usage records keep the
 * requested name as sent), `<provider>/<model>` for a provider declared in config (`{host_platform: 'ollama', …}`).
 */
export function toPipelineModel(spec: ModelSpec): string {
  return qualifyHostPlatformModel(spec.host_platform, spec.model_id) === null
    ? `${spec.host_platform}/${spec.model_id}`
    : formatModelSpec(spec);
}

export function toJudgeModel(spec: JudgeSpec): string {
  return typeof spec === 'string' ? spec : toPipelineModel(spec);
}

export interface ModelTarget {
  /** The seed's provider name: AWS, OPENAI, GOOGLE, AZURE, ANTHROPIC, or a configured provider's id upper-cased. */
  provider: string;
  /** `<provider>/<model>` when the catalog resolves it (aliases resolve only when routed). */
  qualifiedName: string | null;
}

/** Names the provider of a model for its log, before (and whether or not) the call succeeds. */
export function describeModelTarget(catalog: ModelCatalog, model: string, hostPlatform: string): ModelTarget {
  const resolved = tryResolve(catalog, model);
  if (resolved !== null) return { provider: providerName(resolved.provider), qualifiedName: resolved.qualifiedName };
  const qualified = qualifyHostPlatformModel(hostPlatform, 'model');
  return { provider: seedProviderName(qualified === null ? hostPlatform : qualified.slice(0, qualified.indexOf('/'))), qualifiedName: null };
}

/** `<provider>/<model>` of a model string, or null when the catalog does not know it (an alias, a typo). */
export function qualifiedNameOf(catalog: ModelCatalog, model: string): string | null {
  return tryResolve(catalog, model)?.qualifiedName ?? null;
}

function tryResolve(catalog: ModelCatalog, model: string): { provider: ProviderAdapter; qualifiedName: string } | null {
  try {
    return catalog.resolve(model, 'chat');
  } catch (error) {
    // Unknown here is not a failure yet: the router may still resolve an alias, and the call reports its own error.
    if (error instanceof GatewayError) return null;
    throw error;
  }
}

function providerName(provider: ProviderAdapter): string {
  return seedProviderName(provider.kind === 'openai-compatible' ? provider.id : provider.kind);
}
