import type { ApiKeyView, TenantView, UserView, limitsViewSchema } from '@arbiter/shared';
import type { z } from 'zod';
import type { StoredApiKey, StoredLimits, StoredTenant, StoredUser } from '../db/schema.js';

/** Database rows → API views. Password hashes, key hashes and SSO subjects never leave through these. */

export function toUserView(user: StoredUser): UserView {
  return {
    id: user.id,
    object: 'user',
    tenant_id: user.tenantId,
    email: user.email,
    name: user.name,
    role: user.role,
    active: user.active,
    sso: user.ssoSubject !== null,
    limits: toLimitsView(user.limits),
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

export function toApiKeyView(key: StoredApiKey): ApiKeyView {
  return {
    id: key.id,
    object: 'api_key',
    tenant_id: key.tenantId,
    user_id: key.userId,
    name: key.name,
    prefix: key.prefix,
    allowed_models: key.allowedModels ?? null,
    limits: toLimitsView(key.limits),
    expires_at: key.expiresAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    created_at: key.createdAt.toISOString(),
  };
}

export function toTenantView(tenant: StoredTenant): TenantView {
  return {
    id: tenant.id,
    object: 'tenant',
    name: tenant.name,
    slug: tenant.slug,
    active: tenant.active,
    limits: toLimitsView(tenant.limits),
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}

export function toLimitsView(limits: StoredLimits): z.infer<typeof limitsViewSchema> {
  const view: z.infer<typeof limitsViewSchema> = {};
  if (limits.rpm !== undefined) view.rpm = limits.rpm;
  if (limits.tpm !== undefined) view.tpm = limits.tpm;
  if (limits.monthly_budget_usd !== undefined) view.monthly_budget_usd = limits.monthly_budget_usd;
  if (limits.daily_budget_usd !== undefined) view.daily_budget_usd = limits.daily_budget_usd;
  return view;
}
