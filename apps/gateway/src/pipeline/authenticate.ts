import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '@arbiter/shared';
import type { InvalidationMessage } from '../cluster/invalidation-bus.js';
import type { Database } from '../db/database.js';
import type { StoredApiKey, StoredLimits, StoredTenant, StoredUser } from '../db/schema.js';
import type { AccessTokens } from '../identity/access-tokens.js';
import { findApiKeyByHash, findTenant, findUser, touchApiKeys } from '../identity/identity-store.js';
import type { Role } from '../identity/permissions.js';
import { hashSecret, looksLikeApiKey, looksLikeJwt } from '../identity/secrets.js';

/** Who is calling, with everything admission needs, assembled from cached records (no database read per request). */
export interface Principal {
  tenantId: string;
  /** The API key's id; 'master' for the master key, 'session' for a user's access token. */
  keyId: string;
  /** The user behind the key or token; null for the master key and tenant-wide keys. */
  userId: string | null;
  role: Role;
  kind: 'master' | 'api_key' | 'access_token';
  /** Models (ids or aliases) the key may call; null means any. */
  allowedModels: readonly string[] | null;
  limits: { tenant: StoredLimits; user: StoredLimits | null; key: StoredLimits | null };
}

export const MASTER_PRINCIPAL: Principal = Object.freeze({
  tenantId: 'default',
  keyId: 'master',
  userId: null,
  role: 'super-admin',
  kind: 'master',
  allowedModels: null,
  limits: { tenant: {}, user: null, key: null },
});

export interface CredentialHeaders {
  authorization?: string | undefined;
  'x-api-key'?: string | string[] | undefined;
}

export type { InvalidationMessage };

interface CacheEntry<T> {
  value: T | null;
  loadedAt: number;
}

export interface AuthenticatorOptions {
  masterKey: string | undefined;
  database?: Database;
  accessTokens?: AccessTokens;
  /** A safety net under invalidation messages: cached records are re-read after this long. */
  cacheTtlMs?: number;
}

/**
 * Resolves the caller from `Authorization: Bearer <credential>` (or `x-api-key`, as Anthropic clients send it): the
 * master key, a virtual API key (`arb_…`, found by its SHA-256) or a JWT access token. Keys, users and tenants are
 * cached; a change on any replica invalidates them everywhere through the invalidation bus, and the TTL bounds what a
 * lost message could cost. Unknown keys are cached too, briefly, so that a flood of bad keys cannot reach the database.
 */
export class Authenticator {
  private readonly masterDigest: Buffer | null;
  private readonly ttlMs: number;
  private readonly keys = new Map<string, CacheEntry<StoredApiKey>>();
  private readonly users = new Map<string, CacheEntry<StoredUser>>();
  private readonly tenants = new Map<string, CacheEntry<StoredTenant>>();
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly usedKeys = new Set<string>();
  private readonly principals = new Map<string, { key: StoredApiKey; tenant: StoredTenant; user: StoredUser | null; principal: Principal }>();
  private touchTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: AuthenticatorOptions) {
    this.masterDigest = options.masterKey === undefined ? null : digest(options.masterKey);
    this.ttlMs = options.cacheTtlMs ?? 30_000;
  }

  async authenticate(headers: CredentialHeaders): Promise<Principal> {
    const credential = readCredential(headers);
    if (credential === null) throw new GatewayError('missing_api_key');
    if (looksLikeApiKey(credential) && this.options.database !== undefined) return this.authenticateApiKey(credential);
    if (looksLikeJwt(credential) && this.options.accessTokens !== undefined) return this.authenticateAccessToken(credential);
    if (this.masterDigest === null) {
      throw new GatewayError('invalid_api_key', {
        message: 'The gateway has no keys yet: set ARBITER_MASTER_KEY and use it as the API key.',
      });
    }
    if (!timingSafeEqual(digest(credential), this.masterDigest)) throw new GatewayError('invalid_api_key');
    return MASTER_PRINCIPAL;
  }

  /**
   * The master key, checked synchronously (the one credential that needs no lookup); null for anything else, which
   * `authenticate` then resolves or refuses.
   */
  authenticateMaster(headers: CredentialHeaders): Principal | null {
    if (this.masterDigest === null) return null;
    const credential = readCredential(headers);
    if (credential === null || looksLikeApiKey(credential) || looksLikeJwt(credential)) return null;
    return timingSafeEqual(digest(credential), this.masterDigest) ? MASTER_PRINCIPAL : null;
  }

  /** Drops cached records named by an invalidation message. */
  invalidate(message: InvalidationMessage): void {
    switch (message.kind) {
      case 'api_key':
        for (const [hash, entry] of this.keys) if (entry.value?.id === message.id) this.keys.delete(hash);
        return;
      case 'user':
        this.users.delete(message.id);
        return;
      case 'tenant':
        this.tenants.delete(message.id);
        return;
      case 'all':
        this.keys.clear();
        this.users.clear();
        this.tenants.clear();
        return;
      default:
        return;
    }
  }

  /** Writes pending last-used times (called on a timer and at shutdown). */
  async flushLastUsed(): Promise<void> {
    if (this.usedKeys.size === 0 || this.options.database === undefined) return;
    const ids = [...this.usedKeys];
    this.usedKeys.clear();
    await touchApiKeys(this.options.database, ids, new Date());
  }

  close(): Promise<void> {
    if (this.touchTimer !== null) clearTimeout(this.touchTimer);
    return this.flushLastUsed().catch(() => undefined);
  }

  private async authenticateApiKey(credential: string): Promise<Principal> {
    const database = this.options.database as Database;
    const hash = hashSecret(credential);
    const key = await this.cached(this.keys, hash, () => findApiKeyByHash(database, hash));
    if (key === null) throw new GatewayError('invalid_api_key');
    if (key.revokedAt !== null) throw new GatewayError('invalid_api_key', { message: 'The API key has been revoked.' });
    if (key.expiresAt !== null && key.expiresAt.getTime() <= Date.now()) throw new GatewayError('invalid_api_key', { message: 'The API key has expired.' });
    const tenant = await this.activeTenant(key.tenantId);
    let user: StoredUser | null = null;
    if (key.userId !== null) {
      user = await this.cached(this.users, key.userId, () => findUser(database, key.userId as string));
      if (user === null || !user.active) throw new GatewayError('invalid_api_key', { message: 'The API key belongs to a deactivated user.' });
    }
    this.markUsed(key.id);
    // One principal object per key, user and tenant record: rebuilt only when one of them was reloaded, so that
    // admission can keep what it derives from a principal (its windows and budget scopes) keyed by the object.
    const built = this.principals.get(key.id);
    if (built !== undefined && built.key === key && built.tenant === tenant && built.user === user) return built.principal;
    const principal: Principal = Object.freeze({
      tenantId: key.tenantId,
      keyId: key.id,
      userId: key.userId,
      // A key acts with its user's role; a tenant-wide service key calls models and reads its own usage.
      role: user?.role ?? 'user',
      kind: 'api_key',
      allowedModels: key.allowedModels ?? null,
      limits: { tenant: tenant.limits, user: user?.limits ?? null, key: key.limits },
    });
    if (this.principals.size >= 100_000) this.principals.clear();
    this.principals.set(key.id, { key, tenant, user, principal });
    return principal;
  }

  private async authenticateAccessToken(credential: string): Promise<Principal> {
    const database = this.options.database as Database;
    const claims = await (this.options.accessTokens as AccessTokens).verify(credential);
    const user = await this.cached(this.users, claims.userId, () => findUser(database, claims.userId));
    if (user === null || !user.active || user.tenantId !== claims.tenantId) {
      throw new GatewayError('invalid_token', { message: 'The access token belongs to a user who no longer exists or is deactivated.' });
    }
    const tenant = await this.activeTenant(user.tenantId);
    return {
      tenantId: user.tenantId,
      keyId: 'session',
      userId: user.id,
      role: user.role,
      kind: 'access_token',
      allowedModels: null,
      limits: { tenant: tenant.limits, user: user.limits, key: null },
    };
  }

  private async activeTenant(id: string): Promise<StoredTenant> {
    const tenant = await this.cached(this.tenants, id, () => findTenant(this.options.database as Database, id));
    if (tenant === null || !tenant.active) throw new GatewayError('permission_denied', { message: 'The organisation is deactivated.' });
    return tenant;
  }

  private async cached<T>(cache: Map<string, CacheEntry<T>>, id: string, load: () => Promise<T | null>): Promise<T | null> {
    const entry = cache.get(id);
    const now = Date.now();
    // Misses are remembered for a few seconds only; hits for the TTL (invalidation does the rest).
    if (entry !== undefined && now - entry.loadedAt < (entry.value === null ? Math.min(this.ttlMs, 5_000) : this.ttlMs)) return entry.value;
    const loadKey = `${cache === this.keys ? 'k' : cache === this.users ? 'u' : 't'}:${id}`;
    let pending = this.loading.get(loadKey) as Promise<T | null> | undefined;
    if (pending === undefined) {
      pending = load().finally(() => this.loading.delete(loadKey));
      this.loading.set(loadKey, pending);
    }
    const value = await pending;
    if (cache.size >= 100_000) cache.clear();
    cache.set(id, { value, loadedAt: now });
    return value;
  }

  private markUsed(keyId: string): void {
    this.usedKeys.add(keyId);
    if (this.touchTimer === null) {
      this.touchTimer = setTimeout(() => {
        this.touchTimer = null;
        this.flushLastUsed().catch(() => undefined); // best effort: last-used is informational
      }, 10_000);
      this.touchTimer.unref();
    }
  }
}

function readCredential(headers: CredentialHeaders): string | null {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1] !== undefined) return match[1].trim();
  }
  const apiKey = headers['x-api-key'];
  const value = Array.isArray(apiKey) ? apiKey[0] : apiKey;
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
