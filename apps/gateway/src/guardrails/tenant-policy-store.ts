import { guardrailPolicySpecSchema, type GuardrailPolicySpec } from '@arbiter/shared';
import { eq, isNotNull } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.js';
import { tenants } from '../db/schema.js';
import { updateTenant } from '../identity/identity-store.js';
import type { GuardrailService } from './guardrail-service.js';

/**
 * Tenants' own guardrail policies, stored on the tenant row (`guardrail_policy`; null: the gateway default) and held
 * compiled in every replica's GuardrailService. A change is saved, applied here, and announced on the invalidation bus
 * so that the other replicas reload that tenant's row.
 */
export class TenantPolicyStore {
  constructor(
    private readonly database: Database,
    private readonly guardrails: GuardrailService,
    private readonly logger?: FastifyBaseLogger,
  ) {}

  /** At start-up (and after a missed-message window): every stored policy, compiled. */
  async loadAll(): Promise<void> {
    const rows = await this.database.db.select({ id: tenants.id, policy: tenants.guardrailPolicy }).from(tenants).where(isNotNull(tenants.guardrailPolicy));
    for (const row of rows) await this.apply(row.id, row.policy);
  }

  /** Another replica changed this tenant's policy (or the tenant): read it again. */
  async reload(tenantId: string): Promise<void> {
    const [row] = await this.database.db.select({ policy: tenants.guardrailPolicy }).from(tenants).where(eq(tenants.id, tenantId));
    await this.apply(tenantId, row?.policy ?? null);
  }

  async stored(tenantId: string): Promise<unknown> {
    const [row] = await this.database.db.select({ policy: tenants.guardrailPolicy }).from(tenants).where(eq(tenants.id, tenantId));
    return row?.policy ?? null;
  }

  /** Validates and compiles first (400 on a bad policy, nothing saved), then saves. */
  async save(tenantId: string, policy: GuardrailPolicySpec | null): Promise<boolean> {
    await this.guardrails.setTenantPolicy(tenantId, policy);
    return (await updateTenant(this.database, tenantId, { guardrailPolicy: policy })) !== null;
  }

  private async apply(tenantId: string, stored: unknown): Promise<void> {
    if (stored === null) {
      await this.guardrails.setTenantPolicy(tenantId, null);
      return;
    }
    const parsed = guardrailPolicySpecSchema.safeParse(stored);
    try {
      if (!parsed.success) throw new Error('not a policy template name or object');
      await this.guardrails.setTenantPolicy(tenantId, parsed.data);
    } catch (error) {
      // A stored policy this build cannot compile (say, a detector parameter removed): the default applies, loudly.
      this.logger?.error({ err: error, tenantId }, 'the tenant’s stored guardrail policy cannot be used; the gateway default applies');
      await this.guardrails.setTenantPolicy(tenantId, null);
    }
  }
}
