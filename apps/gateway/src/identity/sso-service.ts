import { randomUUID } from 'node:crypto';
import { GatewayError } from '@arbiter/shared';
import { and, eq, lt } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { ssoConfigs, ssoLoginStates, users, type StoredSsoConfig, type StoredUser } from '../db/schema.js';
import type { AccountService, TokenPair } from './account-service.js';
import { findTenant, findTenantBySlug, findUserByEmail, findUserBySso, insertUser, isUniqueViolation, updateUser } from './identity-store.js';
import { isLoopbackIssuer, type SsoRequestOptions } from './sso/discover-issuer.js';
import { mapClaimsToRole } from './sso/map-claims-to-role.js';
import { ssoSettingsSchema, type SsoSettings } from './sso/sso-settings.js';
import { beginSsoLogin, completeSsoLogin } from './sso/sso-login.js';

const loginStateTtlMs = 10 * 60_000;

/**
 * SSO sign-in across replicas: the pending login (state, nonce, PKCE verifier) is a database row that any replica can
 * complete exactly once; the callback creates the user just in time (default role, or the role the claims map to) and
 * re-applies the claim mapping at every sign-in, so a group change at the identity provider takes effect next time.
 */
export class SsoService {
  constructor(
    private readonly database: Database,
    private readonly accounts: AccountService,
    private readonly allowHttpIssuers: boolean,
  ) {}

  requestOptions(issuer: string): SsoRequestOptions {
    return { allowInsecure: this.allowHttpIssuers || isLoopbackIssuer(issuer) };
  }

  async findConfig(tenantId: string): Promise<StoredSsoConfig | null> {
    const [row] = await this.database.db.select().from(ssoConfigs).where(eq(ssoConfigs.tenantId, tenantId));
    return row ?? null;
  }

  /** The enabled SSO configuration of a tenant named by slug (or id). */
  async findEnabledConfig(tenantRef: string): Promise<{ tenantId: string; slug: string; config: StoredSsoConfig }> {
    const tenant = (await findTenantBySlug(this.database, tenantRef)) ?? (await findTenant(this.database, tenantRef));
    const config = tenant === null || !tenant.active ? null : await this.findConfig(tenant.id);
    if (tenant === null || config === null || !config.enabled) {
      throw new GatewayError('resource_not_found', { message: 'Single sign-on is not configured for this organisation.', param: 'tenant' });
    }
    return { tenantId: tenant.id, slug: tenant.slug, config };
  }

  async initiate(tenantRef: string): Promise<{ authorizationUrl: string; state: string; expiresIn: number }> {
    const { tenantId, config } = await this.findEnabledConfig(tenantRef);
    const settings = toSettings(config);
    const pending = await beginSsoLogin(settings, this.requestOptions(settings.issuer));
    const now = new Date();
    // Expired, never-completed logins are swept as new ones start.
    await this.database.db.delete(ssoLoginStates).where(lt(ssoLoginStates.expiresAt, now));
    await this.database.db.insert(ssoLoginStates).values({
      state: pending.state,
      tenantId,
      nonce: pending.nonce,
      codeVerifier: pending.codeVerifier,
      expiresAt: new Date(now.getTime() + loginStateTtlMs),
      createdAt: now,
    });
    return { authorizationUrl: pending.authorizationUrl, state: pending.state, expiresIn: loginStateTtlMs / 1000 };
  }

  async complete(callbackUrl: URL): Promise<{ tokens: TokenPair; user: StoredUser }> {
    const state = callbackUrl.searchParams.get('state');
    if (state === null || state === '') throw new GatewayError('invalid_request', { message: 'The callback has no state.', param: 'state' });
    // Single use: the row is deleted as it is read, so a replayed callback finds nothing.
    const [pending] = await this.database.db.delete(ssoLoginStates).where(eq(ssoLoginStates.state, state)).returning();
    if (pending === undefined || pending.expiresAt.getTime() <= Date.now()) {
      throw new GatewayError('invalid_request', { message: 'This sign-in has expired or was already completed; start again.', param: 'state' });
    }
    const config = await this.findConfig(pending.tenantId);
    if (config === null || !config.enabled) throw new GatewayError('resource_not_found', { message: 'Single sign-on is not configured for this organisation.' });
    const settings = toSettings(config);
    const identity = await completeSsoLogin(settings, callbackUrl, pending, this.requestOptions(settings.issuer));
    const user = await this.provisionUser(pending.tenantId, identity.issuer, identity.subject, identity.email, identity.emailVerified, identity.name, identity.claims, settings);
    if (!user.active) throw new GatewayError('invalid_credentials', { message: 'This account is deactivated.' });
    const signedIn = (await updateUser(this.database, user.id, { lastLoginAt: new Date() })) ?? user;
    return { tokens: await this.accounts.startSession(signedIn), user: signedIn };
  }

  private async provisionUser(
    tenantId: string,
    issuer: string,
    subject: string,
    email: string | null,
    emailVerified: boolean,
    name: string | null,
    claims: Record<string, unknown>,
    settings: SsoSettings,
  ): Promise<StoredUser> {
    const role = mapClaimsToRole(claims, settings);
    const known = await findUserBySso(this.database, tenantId, issuer, subject);
    if (known !== null) {
      return known.role === role ? known : ((await updateUser(this.database, known.id, { role })) ?? known);
    }
    if (email === null) throw new GatewayError('invalid_token', { message: 'The identity provider sent no email address for this user.' });
    const existing = await findUserByEmail(this.database, email);
    if (existing !== null) {
      // An account made by an admin before SSO is linked, but only on a verified email of the same tenant.
      if (existing.tenantId !== tenantId || !emailVerified || existing.ssoSubject !== null) {
        throw new GatewayError('conflict', { message: 'An account with this email already exists and cannot be linked to this sign-in.' });
      }
      const [linked] = await this.database.db
        .update(users)
        .set({ ssoIssuer: issuer, ssoSubject: subject, role, updatedAt: new Date() })
        .where(and(eq(users.id, existing.id), eq(users.tenantId, tenantId)))
        .returning();
      return linked ?? existing;
    }
    try {
      return await insertUser(this.database, { tenantId, email, name, role, ssoIssuer: issuer, ssoSubject: subject });
    } catch (error) {
      // Two first sign-ins of one person at once: the other created the user.
      if (!isUniqueViolation(error)) throw error;
      const raced = await findUserBySso(this.database, tenantId, issuer, subject);
      if (raced === null) throw error;
      return raced;
    }
  }
}

export function toSettings(config: StoredSsoConfig): SsoSettings {
  return ssoSettingsSchema.parse({
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    redirectUri: config.redirectUri,
    scopes: config.scopes,
    defaultRole: config.defaultRole,
    roleClaim: config.roleClaim,
    roleMapping: config.roleMapping,
  });
}

export function newSsoConfigId(): string {
  return randomUUID();
}
