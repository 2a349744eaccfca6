import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { keysetCondition } from '../db/keyset-page.js';
import { apiKeys, refreshTokens, tenants, users, type StoredApiKey, type StoredLimits, type StoredTenant, type StoredUser } from '../db/schema.js';
import type { TenantRole } from './permissions.js';

/** Database access for tenants, users, keys and refresh tokens. Every tenant-scoped read takes the tenant id. */

export function isUniqueViolation(error: unknown): boolean {
  for (let current: unknown = error; typeof current === 'object' && current !== null; current = (current as { cause?: unknown }).cause) {
    if ((current as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

// Tenants

export async function insertTenant(database: Database, input: { id?: string; name: string; slug: string; limits?: StoredLimits }): Promise<StoredTenant> {
  const now = new Date();
  const [row] = await database.db
    .insert(tenants)
    .values({ id: input.id ?? randomUUID(), name: input.name, slug: input.slug, limits: input.limits ?? {}, createdAt: now, updatedAt: now })
    .returning();
  if (row === undefined) throw new Error('tenant insert returned nothing');
  return row;
}

export async function findTenant(database: Database, id: string): Promise<StoredTenant | null> {
  const [row] = await database.db.select().from(tenants).where(eq(tenants.id, id));
  return row ?? null;
}

export async function findTenantBySlug(database: Database, slug: string): Promise<StoredTenant | null> {
  const [row] = await database.db.select().from(tenants).where(eq(tenants.slug, slug));
  return row ?? null;
}

/** One page more than asked for, so the caller knows whether there is more (toKeysetPage). */
export async function listTenants(database: Database, limit: number, cursor: string | undefined): Promise<StoredTenant[]> {
  const condition = cursor === undefined ? undefined : keysetCondition(cursor, tenants.createdAt, tenants.id);
  return database.db.select().from(tenants).where(condition).orderBy(desc(tenants.createdAt), desc(tenants.id)).limit(limit + 1);
}

export async function updateTenant(
  database: Database,
  id: string,
  patch: Partial<Pick<StoredTenant, 'name' | 'active' | 'limits' | 'guardrailPolicy'>>,
): Promise<StoredTenant | null> {
  const [row] = await database.db.update(tenants).set({ ...patch, updatedAt: new Date() }).where(eq(tenants.id, id)).returning();
  return row ?? null;
}

export async function deleteTenant(database: Database, id: string): Promise<boolean> {
  const rows = await database.db.delete(tenants).where(eq(tenants.id, id)).returning({ id: tenants.id });
  return rows.length > 0;
}

// Users

export interface NewUser {
  tenantId: string;
  email: string;
  name?: string | null;
  passwordHash?: string | null;
  role: TenantRole;
  ssoIssuer?: string | null;
  ssoSubject?: string | null;
  limits?: StoredLimits;
}

export async function insertUser(database: Database, input: NewUser): Promise<StoredUser> {
  const now = new Date();
  const [row] = await database.db
    .insert(users)
    .values({
      id: randomUUID(),
      tenantId: input.tenantId,
      email: normalizeEmail(input.email),
      name: input.name ?? null,
      passwordHash: input.passwordHash ?? null,
      role: input.role,
      ssoIssuer: input.ssoIssuer ?? null,
      ssoSubject: input.ssoSubject ?? null,
      limits: input.limits ?? {},
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (row === undefined) throw new Error('user insert returned nothing');
  return row;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUser(database: Database, id: string): Promise<StoredUser | null> {
  const [row] = await database.db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

export async function findUserInTenant(database: Database, tenantId: string, id: string): Promise<StoredUser | null> {
  const [row] = await database.db.select().from(users).where(and(eq(users.id, id), eq(users.tenantId, tenantId)));
  return row ?? null;
}

export async function findUserByEmail(database: Database, email: string): Promise<StoredUser | null> {
  const [row] = await database.db.select().from(users).where(eq(users.email, normalizeEmail(email)));
  return row ?? null;
}

export async function findUserBySso(database: Database, tenantId: string, issuer: string, subject: string): Promise<StoredUser | null> {
  const [row] = await database.db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.ssoIssuer, issuer), eq(users.ssoSubject, subject)));
  return row ?? null;
}

export async function listUsers(database: Database, tenantId: string, limit: number, cursor: string | undefined): Promise<StoredUser[]> {
  const conditions: SQL[] = [eq(users.tenantId, tenantId)];
  if (cursor !== undefined) conditions.push(keysetCondition(cursor, users.createdAt, users.id));
  return database.db.select().from(users).where(and(...conditions)).orderBy(desc(users.createdAt), desc(users.id)).limit(limit + 1);
}

export async function updateUser(
  database: Database,
  id: string,
  patch: Partial<Pick<StoredUser, 'name' | 'role' | 'active' | 'limits' | 'passwordHash' | 'email' | 'failedLogins' | 'lockedUntil' | 'lastLoginAt'>>,
): Promise<StoredUser | null> {
  const [row] = await database.db.update(users).set({ ...patch, updatedAt: new Date() }).where(eq(users.id, id)).returning();
  return row ?? null;
}

/** Counts a failed sign-in atomically (concurrent guesses all count) and returns the new count. */
export async function incrementFailedLogins(database: Database, id: string): Promise<number> {
  const [row] = await database.db
    .update(users)
    .set({ failedLogins: sql`${users.failedLogins} + 1` })
    .where(eq(users.id, id))
    .returning({ failedLogins: users.failedLogins });
  return row?.failedLogins ?? 0;
}

export async function deleteUser(database: Database, id: string): Promise<boolean> {
  const rows = await database.db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return rows.length > 0;
}

// API keys

export async function insertApiKey(
  database: Database,
  input: Pick<StoredApiKey, 'tenantId' | 'userId' | 'name' | 'prefix' | 'keyHash' | 'allowedModels' | 'limits' | 'expiresAt' | 'createdBy'>,
): Promise<StoredApiKey> {
  const [row] = await database.db
    .insert(apiKeys)
    .values({ ...input, id: randomUUID(), createdAt: new Date() })
    .returning();
  if (row === undefined) throw new Error('api key insert returned nothing');
  return row;
}

export async function findApiKeyByHash(database: Database, keyHash: string): Promise<StoredApiKey | null> {
  const [row] = await database.db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
  return row ?? null;
}

export async function findApiKeyInTenant(database: Database, tenantId: string, id: string): Promise<StoredApiKey | null> {
  const [row] = await database.db.select().from(apiKeys).where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId)));
  return row ?? null;
}

export async function listApiKeys(database: Database, tenantId: string, userId: string | null): Promise<StoredApiKey[]> {
  const condition = userId === null ? eq(apiKeys.tenantId, tenantId) : and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.userId, userId));
  return database.db.select().from(apiKeys).where(condition).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)).limit(1000);
}

export async function revokeApiKey(database: Database, tenantId: string, id: string): Promise<StoredApiKey | null> {
  const [row] = await database.db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId)))
    .returning();
  return row ?? null;
}

export async function touchApiKeys(database: Database, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await database.db.update(apiKeys).set({ lastUsedAt: at }).where(inArray(apiKeys.id, ids));
}

// Refresh tokens

export async function insertRefreshToken(
  database: Database,
  input: { familyId: string; userId: string; tenantId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await database.db.insert(refreshTokens).values({ ...input, id: randomUUID(), createdAt: new Date() });
}

/**
 * Marks a refresh token used, atomically: exactly one of two concurrent refreshes with the same token wins. Returns
 * the token row when this call consumed it, `reused` when it had already been used or revoked (the caller revokes the
 * family), or null when no such token exists.
 */
export async function consumeRefreshToken(
  database: Database,
  tokenHash: string,
): Promise<{ status: 'consumed'; familyId: string; userId: string; tenantId: string; expiresAt: Date } | { status: 'reused'; familyId: string } | null> {
  const [consumed] = await database.db
    .update(refreshTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning();
  if (consumed !== undefined) {
    return { status: 'consumed', familyId: consumed.familyId, userId: consumed.userId, tenantId: consumed.tenantId, expiresAt: consumed.expiresAt };
  }
  const [existing] = await database.db.select({ familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
  return existing === undefined ? null : { status: 'reused', familyId: existing.familyId };
}

export async function findRefreshFamily(database: Database, tokenHash: string): Promise<{ familyId: string; userId: string } | null> {
  const [row] = await database.db
    .select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, tokenHash));
  return row ?? null;
}

export async function revokeRefreshFamily(database: Database, familyId: string): Promise<void> {
  await database.db.update(refreshTokens).set({ revokedAt: new Date() }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function revokeUserRefreshTokens(database: Database, userId: string): Promise<void> {
  await database.db.update(refreshTokens).set({ revokedAt: new Date() }).where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
