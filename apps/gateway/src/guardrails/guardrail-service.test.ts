import { GatewayError, guardrailsConfigSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { GuardrailService } from './guardrail-service.js';

const config = (raw: object) => guardrailsConfigSchema.parse(raw);
const acme = { tenantId: 'acme' };
const globex = { tenantId: 'globex' };

describe('guardrail service', () => {
  it('policy none: no policy for anyone, and the detectors are never imported', async () => {
    const service = await GuardrailService.create(config({}));
    expect(service.policyFor(acme)).toBeNull();
    expect(service.guardrailsFor(acme)).toBeNull();
    expect(service.engineLoaded).toBe(false);
  });

  it('a template is compiled once at start-up and shared by every tenant; its directions are known', async () => {
    const service = await GuardrailService.create(config({ policy: 'bfsi' }));
    expect(service.engineLoaded).toBe(true);
    const guardrails = service.guardrailsFor(acme);
    expect(guardrails?.policy.name).toBe('bfsi');
    expect(service.guardrailsFor(globex)).toBe(guardrails);
    expect(guardrails).toMatchObject({ guardsInput: true, guardsOutput: true, streamWindow: 128 });
  });

  it('an inline policy that only guards the input does not guard the output', async () => {
    const service = await GuardrailService.create(config({ policy: { rules: [{ guardrail: 'pii', input: 'redact' }] }, stream_window: 64 }));
    expect(service.guardrailsFor(acme)).toMatchObject({ guardsInput: true, guardsOutput: false, streamWindow: 64 });
  });

  it('refuses an unusable default policy at start-up with an error that says what is wrong', async () => {
    // arbiter.yaml's schema already refuses an unknown name; the service refuses it from any other caller too.
    expect(() => config({ policy: 'bfis' })).toThrow('expected a policy template (none, bfsi, permissive, strict) or an inline policy object');
    await expect(GuardrailService.create({ ...config({}), policy: 'bfis' as 'bfsi' })).rejects.toThrow(
      "Invalid configuration: guardrails.policy: unknown policy 'bfis' (one of none, bfsi, permissive, strict, or an inline policy)",
    );
    await expect(GuardrailService.create(config({ policy: { rules: [{ guardrail: 'pii_detector', input: 'redact' }] } }))).rejects.toThrow(
      /guardrails\.policy: rules\.0\.guardrail: /,
    );
    await expect(GuardrailService.create(config({ policy: { rules: [{ guardrail: 'pii', input: 'redact', params: { entities: ['SSN'] } }] } }))).rejects.toThrow(
      /guardrails\.policy: invalid detector parameters: entities\.0/,
    );
    await expect(GuardrailService.create(config({ policy: { rules: [{ guardrail: 'pii', input: 'redact' }], redaction: { mode: 'hash' } } }))).rejects.toThrow(
      /redaction mode 'hash' needs a key: set guardrails.pseudonym_key_env/,
    );
    await expect(GuardrailService.create(config({ pseudonym_key_env: 'ARBITER_PSEUDONYM_KEY' }))).rejects.toThrow(
      'guardrails.pseudonym_key_env names ARBITER_PSEUDONYM_KEY, which is not set',
    );
  });

  it('a tenant policy overrides the default; none switches it off; null returns the tenant to the default', async () => {
    const service = await GuardrailService.create(config({ policy: 'permissive' }));
    await service.setTenantPolicy('acme', 'strict');
    expect(service.policyFor(acme)?.name).toBe('strict');
    expect(service.policyFor(globex)?.name).toBe('permissive');
    await service.setTenantPolicy('globex', 'none');
    expect(service.policyFor(globex)).toBeNull();
    await service.setTenantPolicy('acme', null);
    expect(service.policyFor(acme)?.name).toBe('permissive');
  });

  it('setting an invalid tenant policy is a 400 invalid_request and leaves the previous one in place', async () => {
    const service = await GuardrailService.create(config({}));
    await service.setTenantPolicy('acme', { name: 'acme', rules: [{ guardrail: 'secrets', input: 'block' }] });
    const error = await service.setTenantPolicy('acme', { rules: [{ guardrail: 'pii', input: 'shred' }] }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, param: 'policy' });
    expect((error as GatewayError).message).toContain('rules.0.input');
    expect(service.policyFor(acme)?.name).toBe('acme');
  });

  it('hash pseudonym keys are stable per tenant and differ between tenants', async () => {
    const service = await GuardrailService.create(config({ pseudonym_key_env: 'KEY' }), { pseudonymKey: 'a-long-random-key' });
    const first = service.pseudonymKeyFor('acme');
    expect(service.pseudonymKeyFor('acme')).toBe(first);
    expect(Buffer.from(service.pseudonymKeyFor('globex')!).equals(Buffer.from(first!))).toBe(false);
    await service.setTenantPolicy('acme', { rules: [{ guardrail: 'pii', input: 'redact' }], redaction: { mode: 'hash' } });
    expect(service.policyFor(acme)?.redactionMode).toBe('hash');
  });
});
