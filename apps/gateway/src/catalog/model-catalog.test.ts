import { gatewayConfigSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../config/env.js';
import { loadShippedCatalog } from '../pricing/price-catalog.js';
import { createProviderRegistry } from '../providers/provider-registry.js';
import { HttpClient } from '../providers/shared/http-client.js';
import { ModelCatalog } from './model-catalog.js';

function createCatalog(rawConfig: object, secrets: Record<string, string> = {}) {
  const config = gatewayConfigSchema.parse(rawConfig);
  const env = envSchema.parse({});
  const providers = createProviderRegistry(env, config, (name) => secrets[name], new HttpClient());
  return new ModelCatalog(providers, loadShippedCatalog(), config);
}

describe('ModelCatalog', () => {
  const catalog = createCatalog(
    {
      providers: { ollama: { kind: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1' } },
      models: [{ id: 'llama3.1', provider: 'ollama', price: { input_per_1m: 0, output_per_1m: 0 } }],
      prices: { 'openai/gpt-4o': { input_per_1m: 1, output_per_1m: 2 } },
    },
    { OPENAI_API_KEY: 'sk-x' },
  );

  it('resolves bare catalog ids to their provider with the shipped price', () => {
    const model = catalog.resolve('gpt-4o-mini', 'chat');
    expect(model.provider.id).toBe('openai');
    expect(model.upstreamModel).toBe('gpt-4o-mini');
    expect(model.price?.price).toMatchObject({ input_per_1m: 0.15, output_per_1m: 0.6, cached_input_per_1m: 0.075 });
    expect(catalog.resolve('claude-sonnet-4-5', 'chat').provider.id).toBe('anthropic');
  });

  it('resolves provider-prefixed ids, with config price overrides', () => {
    const model = catalog.resolve('openai/gpt-4o', 'chat');
    expect(model.requested).toBe('openai/gpt-4o');
    expect(model.price?.price).toEqual({ input_per_1m: 1, output_per_1m: 2 });
  });

  it('serves config models and unknown models of a declared provider, the latter without a price', () => {
    expect(catalog.resolve('llama3.1', 'chat')).toMatchObject({ upstreamModel: 'llama3.1', price: { price: { input_per_1m: 0 } } });
    expect(catalog.resolve('ollama/llama3.1', 'chat').price?.price.input_per_1m).toBe(0);
    const unknown = catalog.resolve('ollama/mistral', 'chat');
    expect(unknown.price).toBeNull();
    expect(unknown.qualifiedName).toBe('ollama/mistral');
  });

  it('lists the models whose provider has credentials', () => {
    const ids = catalog.list().map((model) => model.id);
    expect(ids).toContain('gpt-4o-mini');
    expect(ids).toContain('llama3.1');
    expect(ids).not.toContain('claude-sonnet-4-5');
  });

  it('accepts the seed form host_platform:model_id', () => {
    expect(catalog.resolve('openai:gpt-4o-mini', 'chat')).toMatchObject({ qualifiedName: 'openai/gpt-4o-mini', requested: 'openai:gpt-4o-mini' });
    expect(catalog.resolve('aws_bedrock:anthropic.claude-3-haiku-20240307-v1:0', 'chat')).toMatchObject({
      qualifiedName: 'bedrock/anthropic.claude-3-haiku-20240307-v1:0',
      price: { price: { input_per_1m: 0.25, output_per_1m: 1.25 } },
    });
  });

  it('rejects unknown models and the wrong endpoint', () => {
    expect(() => catalog.resolve('nope', 'chat')).toThrow(/does not exist/);
    expect(() => catalog.resolve('gpt-4o-mini', 'embeddings')).toThrow(/does not support embeddings/);
  });
});
