import { z } from 'zod';

/** Contracts of the identity and admin API (seed 002 and 003 spellings). */

export const tenantRoleSchema = z.enum(['admin', 'manager', 'user', 'viewer']);
export type TenantRoleName = z.infer<typeof tenantRoleSchema>;

/** A USD amount as an exact decimal string (numbers are accepted and converted). */
const usdSchema = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim())
  .refine((value) => /^\d{1,12}(\.\d{1,9})?$/.test(value), { message: 'a non-negative USD amount with at most 9 decimals' });

/** Limits at one level (tenant, user or key). Absent: no limit at this level. */
export const limitsSchema = z.strictObject({
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  monthly_budget_usd: usdSchema.optional(),
  daily_budget_usd: usdSchema.optional(),
});
export type Limits = z.infer<typeof limitsSchema>;

/** Limits as responses show them (budgets as exact decimal strings). */
export const limitsViewSchema = z.object({
  rpm: z.number().int().optional(),
  tpm: z.number().int().optional(),
  monthly_budget_usd: z.string().optional(),
  daily_budget_usd: z.string().optional(),
});

const emailSchema = z.email().max(320);
const timestamp = z.string();

export const registerRequestSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(1024),
  name: z.string().max(200).optional(),
  /** Role in the caller's tenant (admins and managers registering someone); self sign-up always makes an admin of a new tenant. */
  role: tenantRoleSchema.optional(),
  /** Super-admin only: the tenant to register into. */
  tenant_id: z.string().optional(),
  /** Self sign-up (and super-admin): the organisation to create. */
  tenant_name: z.string().min(1).max(200).optional(),
});

export const loginRequestSchema = z.strictObject({ email: z.string().max(320), password: z.string().max(1024) });
export const refreshRequestSchema = z.strictObject({ refresh_token: z.string().min(1).max(512) });

export const tokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number(),
  refresh_token: z.string(),
  refresh_expires_in: z.number(),
});

export const userViewSchema = z.object({
  id: z.string(),
  object: z.literal('user'),
  tenant_id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: tenantRoleSchema,
  active: z.boolean(),
  sso: z.boolean(),
  limits: limitsViewSchema,
  last_login_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type UserView = z.infer<typeof userViewSchema>;

export const sessionResponseSchema = tokenResponseSchema.extend({ user: userViewSchema });

export const createUserRequestSchema = z.strictObject({
  email: emailSchema,
  name: z.string().max(200).optional(),
  /** Omitted for users who sign in with SSO only. */
  password: z.string().min(1).max(1024).optional(),
  role: tenantRoleSchema.default('user'),
  limits: limitsSchema.optional(),
});

export const updateUserRequestSchema = z.strictObject({
  name: z.string().max(200).nullable().optional(),
  role: tenantRoleSchema.optional(),
  active: z.boolean().optional(),
  password: z.string().min(1).max(1024).optional(),
  limits: limitsSchema.optional(),
});

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional(),
  /** The platform operator acting on another tenant; ignored for everyone else. */
  tenant_id: z.string().optional(),
});

export const idParamsSchema = z.object({ id: z.string().min(1).max(200) });

export const userListSchema = z.object({ object: z.literal('list'), data: z.array(userViewSchema), next_cursor: z.string().nullable(), has_more: z.boolean() });

export const apiKeyViewSchema = z.object({
  id: z.string(),
  object: z.literal('api_key'),
  tenant_id: z.string(),
  user_id: z.string().nullable(),
  name: z.string(),
  prefix: z.string(),
  allowed_models: z.array(z.string()).nullable(),
  limits: limitsViewSchema,
  expires_at: timestamp.nullable(),
  revoked_at: timestamp.nullable(),
  last_used_at: timestamp.nullable(),
  created_at: timestamp,
});
export type ApiKeyView = z.infer<typeof apiKeyViewSchema>;

export const createApiKeyRequestSchema = z.strictObject({
  name: z.string().min(1).max(200),
  /** The user the key acts as (default: the caller, when the caller is a user); null for a tenant-wide service key. */
  user_id: z.string().nullable().optional(),
  allowed_models: z.array(z.string().min(1)).max(500).nullable().optional(),
  limits: limitsSchema.optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  expires_in_days: z.number().int().positive().max(3650).optional(),
});

/** The only response that ever contains the key itself. */
export const createdApiKeySchema = apiKeyViewSchema.extend({ key: z.string() });
export const apiKeyListSchema = z.object({ object: z.literal('list'), data: z.array(apiKeyViewSchema) });

export const tenantViewSchema = z.object({
  id: z.string(),
  object: z.literal('tenant'),
  name: z.string(),
  slug: z.string(),
  active: z.boolean(),
  limits: limitsViewSchema,
  created_at: timestamp,
  updated_at: timestamp,
});
export type TenantView = z.infer<typeof tenantViewSchema>;

const slugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');

export const createTenantRequestSchema = z.strictObject({
  name: z.string().min(1).max(200),
  slug: slugSchema.optional(),
  limits: limitsSchema.optional(),
  /** The tenant's first admin. */
  admin: z.strictObject({ email: emailSchema, password: z.string().min(1).max(1024), name: z.string().max(200).optional() }).optional(),
});
export const updateTenantRequestSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  active: z.boolean().optional(),
  limits: limitsSchema.optional(),
});
export const tenantListSchema = z.object({ object: z.literal('list'), data: z.array(tenantViewSchema), next_cursor: z.string().nullable(), has_more: z.boolean() });

export const ssoConfigRequestSchema = z.strictObject({
  issuer: z.url().max(2000),
  client_id: z.string().min(1).max(500),
  client_secret: z.string().max(2000).nullable().optional(),
  redirect_uri: z.url().max(2000),
  scopes: z.string().max(500).optional(),
  default_role: tenantRoleSchema.optional(),
  role_claim: z.string().max(200).nullable().optional(),
  role_mapping: z.record(z.string(), tenantRoleSchema).optional(),
  enabled: z.boolean().optional(),
});
export const ssoConfigViewSchema = z.object({
  id: z.string(),
  object: z.literal('sso_config'),
  tenant_id: z.string(),
  issuer: z.string(),
  client_id: z.string(),
  has_client_secret: z.boolean(),
  redirect_uri: z.string(),
  scopes: z.string(),
  default_role: tenantRoleSchema,
  role_claim: z.string().nullable(),
  role_mapping: z.record(z.string(), tenantRoleSchema),
  enabled: z.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
});
export const ssoInitiateRequestSchema = z.strictObject({ tenant: z.string().min(1).max(200) });
export const ssoDiscoverRequestSchema = z.strictObject({ issuer: z.url().max(2000) });
