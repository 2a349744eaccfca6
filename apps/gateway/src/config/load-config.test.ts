import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './load-config.js';

const repositoryRoot = new URL('../../../../', import.meta.url).pathname;

describe('loadGatewayConfig', () => {
  it('reads the shipped example and converts per-1K prices to per-1M', () => {
    const config = loadGatewayConfig('arbiter.example.yaml', repositoryRoot);
    expect(config.providers.ollama?.kind).toBe('openai-compatible');
    expect(config.providers.ollama?.quirks.max_tokens_field).toBe('max_tokens');
    const qwen = config.models.find((model) => model.id === 'qwen-coder');
    expect(qwen?.price).toMatchObject({ input_per_1m: 0.1, output_per_1m: 0.2 });
  });

  it('uses defaults when no file exists and ARBITER_CONFIG is unset', () => {
    const config = loadGatewayConfig(undefined, mkdtempSync(join(tmpdir(), 'cfg-')));
    expect(config.providers).toEqual({});
    expect(config.usage.record_content).toBe(true);
  });

  it('fails loudly on a missing named file and on invalid content', () => {
    const directory = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(() => loadGatewayConfig('missing.yaml', directory)).toThrow(/does not exist/);
    writeFileSync(join(directory, 'bad.yaml'), 'providers:\n  x:\n    kind: carrier-pigeon\n');
    expect(() => loadGatewayConfig('bad.yaml', directory)).toThrow(/providers\.x\.kind/);
  });
});
