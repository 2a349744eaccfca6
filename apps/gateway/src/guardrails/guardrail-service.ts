import { createHmac } from 'node:crypto';
import { GatewayError, guardrailPolicyNameSchema, type GuardrailPolicySpec, type GuardrailsConfig } from '@arbiter/shared';
import { z } from 'zod';
import { guardrailPolicySchema, type GuardrailPolicy } from './policy.js';
import type { CompiledPolicy } from './run-guardrails.js';

/** The detector-running half of the guardrails, imported on first need (see guardrail-engine.ts). */
export type GuardrailEngine = typeof import('./guardrail-engine.js');

/** What the pipeline needs to guard one tenant's requests, compiled once and shared by every request. */
export interface TenantGuardrails {
  readonly policy: CompiledPolicy;
  readonly engine: GuardrailEngine;
  /** Some rule acts on the input (anything but `allow`): the input guard runs. */
  readonly guardsInput: boolean;
  /** Some rule acts on the answer: the output guard runs (otherwise streams pass through untouched). */
  readonly guardsOutput: boolean;
  /** Characters of streamed output held back (`guardrails.stream_window`). */
  readonly streamWindow: number;
}

/** A policy that cannot be used: unknown template, bad shape, bad detector parameters, or `hash` without a key. */
export class GuardrailPolicyError extends Error {
  override readonly name = 'GuardrailPolicyError';
}

export interface GuardrailServiceOptions {
  /** The value of the variable `pseudonym_key_env` names, for `hash` redaction. */
  pseudonymKey?: string;
}

/**
 * Resolves the guardrail policy of each request without I/O: the tenant's own policy when one was set, else the
 * default from arbiter.yaml. Policies are validated and compiled when they are set (at start-up for the default), so
 * `policyFor` is a map lookup. The detectors are imported only when a policy that uses them is set.
 */
export class GuardrailService {
  private engine: GuardrailEngine | null = null;
  private fallback: TenantGuardrails | null = null;
  /** Tenant overrides; a null value is an explicit `none` (no guardrails for that tenant). */
  private readonly tenants = new Map<string, TenantGuardrails | null>();
  private readonly compiledTemplates = new Map<string, TenantGuardrails>();
  private readonly pseudonymKeys = new Map<string, Uint8Array>();

  private constructor(
    private readonly streamWindow: number,
    private readonly pseudonymKey: string | undefined,
    /** The configured default, as written in arbiter.yaml (what GET .../guardrails/policy shows for tenants without one). */
    readonly defaultSpec: GuardrailPolicySpec,
  ) {}

  /** Validates and compiles the configured default policy; throws an Error naming the problem. */
  static async create(config: GuardrailsConfig, options: GuardrailServiceOptions = {}): Promise<GuardrailService> {
    if (config.pseudonym_key_env !== undefined && options.pseudonymKey === undefined) {
      throw new Error(`Invalid configuration: guardrails.pseudonym_key_env names ${config.pseudonym_key_env}, which is not set.`);
    }
    const service = new GuardrailService(config.stream_window, options.pseudonymKey, config.policy);
    try {
      service.fallback = await service.compile(config.policy);
    } catch (error) {
      if (error instanceof GuardrailPolicyError) throw new Error(`Invalid configuration: guardrails.policy: ${error.message}`, { cause: error });
      throw error;
    }
    return service;
  }

  /** True once a policy needed the detectors (never, with `none` everywhere). */
  get engineLoaded(): boolean {
    return this.engine !== null;
  }

  /** The compiled policy that applies to this caller, or null when no guardrail applies. */
  policyFor(principal: { tenantId: string }): CompiledPolicy | null {
    return this.guardrailsFor(principal)?.policy ?? null;
  }

  /** As `policyFor`, with what the pipeline needs to run it. */
  guardrailsFor(principal: { tenantId: string }): TenantGuardrails | null {
    if (this.tenants.size > 0) {
      const own = this.tenants.get(principal.tenantId);
      if (own !== undefined) return own;
    }
    return this.fallback;
  }

  /**
   * Sets a tenant's own policy (`'none'` switches guardrails off for it), or removes it with null so the default
   * applies again. Validates and compiles first (loading the detectors if needed): an invalid policy is a 400
   * `invalid_request` naming the problem, and the tenant keeps its previous policy.
   */
  async setTenantPolicy(tenantId: string, policy: GuardrailPolicySpec | null): Promise<void> {
    if (policy === null) {
      this.tenants.delete(tenantId);
      return;
    }
    try {
      this.tenants.set(tenantId, await this.compile(policy));
    } catch (error) {
      if (!(error instanceof GuardrailPolicyError)) throw error;
      throw new GatewayError('invalid_request', { message: `Invalid guardrail policy: ${error.message}`, param: 'policy', cause: error });
    }
  }

  /** The tenant's key for `hash` redaction: HMAC of the configured key and the tenant id, so tenants never share pseudonyms. */
  pseudonymKeyFor(tenantId: string): Uint8Array | undefined {
    if (this.pseudonymKey === undefined) return undefined;
    let key = this.pseudonymKeys.get(tenantId);
    if (key === undefined) {
      key = createHmac('sha256', this.pseudonymKey).update(`arbiter-guardrails-pseudonym\u0000${tenantId}`).digest();
      this.pseudonymKeys.set(tenantId, key);
    }
    return key;
  }

  private async compile(spec: unknown): Promise<TenantGuardrails | null> {
    if (typeof spec === 'string') {
      const name = guardrailPolicyNameSchema.safeParse(spec);
      if (!name.success) throw new GuardrailPolicyError(`unknown policy '${spec}' (one of ${guardrailPolicyNameSchema.options.join(', ')}, or an inline policy)`);
      const template = name.data;
      if (template === 'none') return null;
      const cached = this.compiledTemplates.get(template);
      if (cached !== undefined) return cached;
      const engine = await this.loadEngine();
      const compiled = this.build(engine, engine.policyTemplates[template]);
      this.compiledTemplates.set(template, compiled);
      return compiled;
    }
    const parsed = guardrailPolicySchema.safeParse(spec);
    if (!parsed.success) throw new GuardrailPolicyError(describeIssues(parsed.error));
    return this.build(await this.loadEngine(), parsed.data);
  }

  private build(engine: GuardrailEngine, policy: GuardrailPolicy): TenantGuardrails {
    let compiled: CompiledPolicy;
    try {
      compiled = engine.compilePolicy(policy);
    } catch (error) {
      // A detector's own parameter schema refused the rule's params.
      if (error instanceof z.ZodError) throw new GuardrailPolicyError(`invalid detector parameters: ${describeIssues(error)}`);
      throw error;
    }
    if (compiled.redactionMode === 'hash' && this.pseudonymKey === undefined) {
      throw new GuardrailPolicyError("redaction mode 'hash' needs a key: set guardrails.pseudonym_key_env to the variable that holds it");
    }
    return {
      policy: compiled,
      engine,
      guardsInput: policy.rules.some((rule) => rule.input !== 'allow'),
      guardsOutput: policy.rules.some((rule) => rule.output !== 'allow'),
      streamWindow: this.streamWindow,
    };
  }

  private async loadEngine(): Promise<GuardrailEngine> {
    this.engine ??= await import('./guardrail-engine.js');
    return this.engine;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length === 0 ? '' : `${issue.path.join('.')}: `}${issue.message}`).join('; ');
}
