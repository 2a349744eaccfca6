import { providerConfigSchema, type GatewayConfig, type ProviderConfig } from '@arbiter/shared';
import type { Env, SecretLookup } from '../config/env.js';
import { AnthropicAdapter } from './anthropic/anthropic-adapter.js';
import { AzureAdapter } from './azure/azure-adapter.js';
import { BedrockAdapter } from './bedrock/bedrock-adapter.js';
import { GoogleAdapter } from './google/google-adapter.js';
import { readServiceAccountFile, type GoogleServiceAccount } from './google/google-auth.js';
import { OpenAIAdapter } from './openai/openai-adapter.js';
import type { HttpClient } from './shared/http-client.js';
import type { ProviderAdapter } from './shared/provider-adapter.js';

/**
 * The built-in providers, configured from their conventional environment variables. They are always present (so a
 * missing key is reported by name), except Azure, which has no default endpoint and appears once
 * AZURE_OPENAI_ENDPOINT is set. A provider of the same id in arbiter.yaml replaces the built-in one.
 */
function builtInProviders(env: Env): Record<string, ProviderConfig> {
  const providers: Record<string, ProviderConfig> = {
    openai: providerConfigSchema.parse({ kind: 'openai', base_url: env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1', api_key_env: 'OPENAI_API_KEY' }),
    anthropic: providerConfigSchema.parse({ kind: 'anthropic', base_url: env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com', api_key_env: 'ANTHROPIC_API_KEY' }),
    bedrock: providerConfigSchema.parse({
      kind: 'bedrock',
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      base_url: env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
    }),
    gemini: providerConfigSchema.parse({ kind: 'gemini', base_url: env.GOOGLE_GEMINI_BASE_URL, api_key_env: 'GOOGLE_API_KEY' }),
    vertex: providerConfigSchema.parse({
      kind: 'vertex',
      base_url: env.GOOGLE_VERTEX_BASE_URL,
      project: env.GOOGLE_CLOUD_PROJECT,
      location: env.GOOGLE_CLOUD_LOCATION,
    }),
  };
  if (env.AZURE_OPENAI_ENDPOINT !== undefined) {
    providers.azure = providerConfigSchema.parse({
      kind: 'azure',
      base_url: env.AZURE_OPENAI_ENDPOINT,
      api_key_env: 'AZURE_OPENAI_API_KEY',
      api_version: env.AZURE_OPENAI_API_VERSION,
    });
  }
  return providers;
}

/** One adapter per provider: the built-in ones and every provider declared in arbiter.yaml. */
export function createProviderRegistry(
  env: Env,
  config: GatewayConfig,
  secrets: SecretLookup,
  http: HttpClient,
): Map<string, ProviderAdapter> {
  const registry = new Map<string, ProviderAdapter>();
  const declared = { ...builtInProviders(env), ...config.providers };
  for (const [id, providerConfig] of Object.entries(declared)) {
    registry.set(id, createAdapter(id, providerConfig, env, secrets, http));
  }
  return registry;
}

function createAdapter(id: string, config: ProviderConfig, env: Env, secrets: SecretLookup, http: HttpClient): ProviderAdapter {
  const apiKeyVariable = config.api_key_env ?? null;
  const apiKey = apiKeyVariable === null ? undefined : secrets(apiKeyVariable);
  const common = { id, headers: config.headers, timeoutMs: config.timeout_ms, http };
  switch (config.kind) {
    case 'openai':
    case 'openai-compatible': {
      if (config.base_url === undefined) throw new Error(`provider ${id}: base_url is required for ${config.kind}`);
      return new OpenAIAdapter({
        ...common,
        kind: config.kind,
        baseUrl: config.base_url,
        apiKey,
        apiKeyVariable: config.kind === 'openai' ? (apiKeyVariable ?? 'OPENAI_API_KEY') : apiKeyVariable,
        quirks: config.quirks,
      });
    }
    case 'anthropic':
      return new AnthropicAdapter({
        ...common,
        baseUrl: config.base_url ?? 'https://api.anthropic.com',
        apiKey,
        apiKeyVariable: apiKeyVariable ?? 'ANTHROPIC_API_KEY',
      });
    case 'azure': {
      if (config.base_url === undefined) throw new Error(`provider ${id}: base_url (the resource endpoint) is required for azure`);
      return new AzureAdapter({
        ...common,
        endpoint: config.base_url,
        apiVersion: config.api_version,
        apiKey: apiKey ?? secrets('AZURE_OPENAI_API_KEY'),
        adToken: secrets('AZURE_OPENAI_AD_TOKEN'),
      });
    }
    case 'bedrock': {
      const accessKeyId = secrets('AWS_ACCESS_KEY_ID');
      const secretAccessKey = secrets('AWS_SECRET_ACCESS_KEY');
      const sessionToken = secrets('AWS_SESSION_TOKEN');
      return new BedrockAdapter({
        id,
        region: config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
        credentials:
          accessKeyId === undefined || secretAccessKey === undefined
            ? undefined
            : { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) },
        endpoint: config.base_url,
        timeoutMs: config.timeout_ms,
        http,
      });
    }
    case 'gemini':
      return new GoogleAdapter({ ...common, kind: 'gemini', apiKey: apiKey ?? secrets('GOOGLE_API_KEY'), baseUrl: config.base_url });
    case 'vertex':
      return new GoogleAdapter({
        ...common,
        kind: 'vertex',
        serviceAccount: loadServiceAccount(id, secrets('GOOGLE_APPLICATION_CREDENTIALS')),
        project: config.project,
        location: config.location,
        baseUrl: config.base_url,
      });
  }
}

/** The Vertex key file, read once at start-up; a file named but unreadable is a configuration error, said loudly. */
function loadServiceAccount(id: string, path: string | undefined): GoogleServiceAccount | undefined {
  if (path === undefined) return undefined;
  try {
    return readServiceAccountFile(path);
  } catch (error) {
    throw new Error(`provider ${id} (GOOGLE_APPLICATION_CREDENTIALS): ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
