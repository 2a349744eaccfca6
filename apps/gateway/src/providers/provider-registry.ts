import { providerConfigSchema, type GatewayConfig, type ProviderConfig } from '@arbiter/shared';
import type { Env, SecretLookup } from '../config/env.js';
import { AnthropicAdapter } from './anthropic/anthropic-adapter.js';
import { OpenAIAdapter } from './openai/openai-adapter.js';
import type { HttpClient } from './shared/http-client.js';
import type { ProviderAdapter } from './shared/provider-adapter.js';

const builtInProviders: Record<string, { config: ProviderConfig; baseUrlVariable: keyof Env }> = {
  openai: {
    config: providerConfigSchema.parse({ kind: 'openai', base_url: 'https://api.openai.com/v1', api_key_env: 'OPENAI_API_KEY' }),
    baseUrlVariable: 'OPENAI_BASE_URL',
  },
  anthropic: {
    config: providerConfigSchema.parse({ kind: 'anthropic', base_url: 'https://api.anthropic.com', api_key_env: 'ANTHROPIC_API_KEY' }),
    baseUrlVariable: 'ANTHROPIC_BASE_URL',
  },
};

/**
 * Builds one adapter per provider: the built-in OpenAI and Anthropic providers (always present, so a missing key
 * is reported by name) and every provider declared in arbiter.yaml, which may override a built-in one.
 */
export function createProviderRegistry(
  env: Env,
  config: GatewayConfig,
  secrets: SecretLookup,
  http: HttpClient,
): Map<string, ProviderAdapter> {
  const registry = new Map<string, ProviderAdapter>();
  for (const [id, builtIn] of Object.entries(builtInProviders)) {
    const baseUrl = env[builtIn.baseUrlVariable];
    const providerConfig = typeof baseUrl === 'string' ? { ...builtIn.config, base_url: baseUrl } : builtIn.config;
    registry.set(id, createAdapter(id, providerConfig, secrets, http));
  }
  for (const [id, providerConfig] of Object.entries(config.providers)) {
    registry.set(id, createAdapter(id, providerConfig, secrets, http));
  }
  return registry;
}

function createAdapter(id: string, config: ProviderConfig, secrets: SecretLookup, http: HttpClient): ProviderAdapter {
  const apiKeyVariable = config.api_key_env ?? null;
  const apiKey = apiKeyVariable === null ? undefined : secrets(apiKeyVariable);
  switch (config.kind) {
    case 'openai':
    case 'openai-compatible': {
      if (config.base_url === undefined) throw new Error(`provider ${id}: base_url is required for ${config.kind}`);
      return new OpenAIAdapter({
        id,
        kind: config.kind,
        baseUrl: config.base_url,
        apiKey,
        apiKeyVariable: config.kind === 'openai' ? (apiKeyVariable ?? 'OPENAI_API_KEY') : apiKeyVariable,
        headers: config.headers,
        quirks: config.quirks,
        timeoutMs: config.timeout_ms,
        http,
      });
    }
    case 'anthropic':
      return new AnthropicAdapter({
        id,
        baseUrl: config.base_url ?? 'https://api.anthropic.com',
        apiKey,
        apiKeyVariable: apiKeyVariable ?? 'ANTHROPIC_API_KEY',
        headers: config.headers,
        timeoutMs: config.timeout_ms,
        http,
      });
  }
}
