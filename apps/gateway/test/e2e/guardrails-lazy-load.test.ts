import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startE2EEnvironment, type E2EEnvironment } from '../support/e2e-environment.js';
import { describeDatabase } from '../support/test-database.js';

// Counts imports of the detector registry (every detector, the keyword automaton, lexicons and phone metadata hang
// off it): with policy `none` nothing may import it, however many requests are served.
const imports = vi.hoisted(() => ({ registry: 0 }));
vi.mock('../../src/guardrails/registry.js', async (importOriginal) => {
  imports.registry += 1;
  return importOriginal();
});

const SSN = '536-22-8726';
let env: E2EEnvironment;

beforeAll(async () => {
  // Its own database: other tests' tenants with guardrail policies of their own would (rightly) load the detectors.
  env = await startE2EEnvironment({ privateDatabase: true });
});
afterAll(async () => {
  await env.close();
});

describe(`guardrails policy none (${describeDatabase()})`, () => {
  it('serves chat, messages and embeddings without loading any detector, headers or trigger records', async () => {
    const { response } = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `SSN ${SSN}` }] }).withResponse();
    await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], stream: true }).then(async (stream) => {
      for await (const _chunk of stream) void _chunk;
    });
    await env.client.embeddings.create({ model: 'text-embedding-3-small', input: `SSN ${SSN}` });
    expect(response.headers.get('x-arbiter-guardrails')).toBeNull();
    expect(JSON.stringify(env.openaiEmulator.requests.at(-3)?.body)).toContain(SSN);
    const record = await env.usageFor(response.headers.get('x-request-id')!);
    expect(record.guardrails).toBeNull();
    expect(imports.registry).toBe(0);
    expect(env.gateway.guardrails.engineLoaded).toBe(false);
  });

  it('a tenant policy set at run time loads the detectors then, and applies to the next request', async () => {
    await env.gateway.guardrails.setTenantPolicy('default', 'bfsi');
    expect(imports.registry).toBe(1);
    expect(env.gateway.guardrails.engineLoaded).toBe(true);
    const { response } = await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `SSN ${SSN}` }] }).withResponse();
    expect(env.openaiEmulator.requests.at(-1)?.body).toMatchObject({ messages: [{ role: 'user', content: 'SSN [US_SSN]' }] });
    expect(response.headers.get('x-arbiter-guardrails')).toBe('pii:input:redact:US_SSN=1');

    // Removing the override returns the tenant to the default (none).
    await env.gateway.guardrails.setTenantPolicy('default', null);
    await env.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `SSN ${SSN}` }] });
    expect(JSON.stringify(env.openaiEmulator.requests.at(-1)?.body)).toContain(SSN);
  });
});
