import { randomBytes } from 'node:crypto';
import { GatewayError, type Limits } from '@arbiter/shared';
import type { Database } from '../db/database.js';
import type { StoredTenant, StoredUser } from '../db/schema.js';
import type { Principal } from '../pipeline/authenticate.js';
import { deleteTenant, findTenant, insertTenant, insertUser, isUniqueViolation } from './identity-store.js';
import { assertPasswordStrength, hashPassword } from './passwords.js';
import { mayGrant, type TenantRole } from './permissions.js';

export interface NewUserInput {
  email: string;
  password?: string | undefined;
  name?: string | undefined;
  role: TenantRole;
  limits?: Limits | undefined;
}

/** Creates a user in `tenantId` on behalf of `actor`, who may not grant a role above their own. */
export async function createUserInTenant(database: Database, actor: Principal, tenantId: string, input: NewUserInput): Promise<StoredUser> {
  if (!mayGrant(actor.role, input.role)) {
    throw new GatewayError('permission_denied', { message: `The ${actor.role} role may not create a user with the ${input.role} role.`, param: 'role' });
  }
  const tenant = await findTenant(database, tenantId);
  if (tenant === null) throw new GatewayError('resource_not_found', { message: 'No such tenant.', param: 'tenant_id' });
  if (input.password !== undefined) assertPasswordStrength(input.password);
  try {
    return await insertUser(database, {
      tenantId,
      email: input.email,
      name: input.name ?? null,
      passwordHash: input.password === undefined ? null : await hashPassword(input.password),
      role: input.role,
      limits: input.limits ?? {},
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new GatewayError('conflict', { message: 'A user with this email already exists.', param: 'email', cause: error });
    throw error;
  }
}

/** A new tenant (slug derived from the name, made unique) and, optionally, its first admin. */
export async function createTenantWithAdmin(
  database: Database,
  input: { name: string; slug?: string | undefined; limits?: Limits | undefined; admin: { email: string; password: string; name?: string | undefined } },
): Promise<{ tenant: StoredTenant; user: StoredUser }> {
  assertPasswordStrength(input.admin.password, 'admin.password');
  const tenant = await createTenant(database, input);
  try {
    const user = await insertUser(database, {
      tenantId: tenant.id,
      email: input.admin.email,
      name: input.admin.name ?? null,
      passwordHash: await hashPassword(input.admin.password),
      role: 'admin',
    });
    return { tenant, user };
  } catch (error) {
    // No orphan tenant when the admin's email is taken.
    await deleteTenant(database, tenant.id);
    if (isUniqueViolation(error)) throw new GatewayError('conflict', { message: 'A user with this email already exists.', param: 'email', cause: error });
    throw error;
  }
}

export async function createTenant(database: Database, input: { name: string; slug?: string | undefined; limits?: Limits | undefined }): Promise<StoredTenant> {
  const base = input.slug ?? slugify(input.name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const slug = attempt === 0 ? base : `${base.slice(0, 55)}-${randomBytes(3).toString('hex')}`;
    try {
      return await insertTenant(database, { name: input.name, slug, limits: input.limits ?? {} });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (input.slug !== undefined) throw new GatewayError('conflict', { message: 'A tenant with this slug already exists.', param: 'slug', cause: error });
    }
  }
  throw new GatewayError('conflict', { message: 'Could not find a free slug for the tenant.', param: 'slug' });
}

function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return slug === '' ? 'tenant' : slug;
}
