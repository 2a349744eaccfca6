import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, numeric, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const timestampColumn = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * Limits that a tenant, user or key may carry. Absent fields mean "no limit at this level". Budgets are USD decimal
 * strings (exact), rates are per minute.
 */
export interface StoredLimits {
  rpm?: number;
  tpm?: number;
  monthly_budget_usd?: string;
  daily_budget_usd?: string;
}

/** Organisations. Every tenant-scoped row carries `tenant_id`; 'default' is the platform's own tenant. */
export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  active: boolean('active').notNull().default(true),
  limits: jsonb('limits').$type<StoredLimits>().notNull().default(sql`'{}'::jsonb`),
  /** The tenant's guardrail policy (validated by the shared policy schema when read); null means the gateway default. */
  guardrailPolicy: jsonb('guardrail_policy'),
  createdAt: timestampColumn('created_at').notNull(),
  updatedAt: timestampColumn('updated_at').notNull(),
});

/**
 * People. Email is unique across the deployment (sign-in needs no tenant name). SSO users have no password; their
 * identity is the issuer's subject.
 */
export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name'),
    passwordHash: text('password_hash'),
    role: text('role', { enum: ['admin', 'manager', 'user', 'viewer'] }).notNull(),
    active: boolean('active').notNull().default(true),
    ssoIssuer: text('sso_issuer'),
    ssoSubject: text('sso_subject'),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: timestampColumn('locked_until'),
    limits: jsonb('limits').$type<StoredLimits>().notNull().default(sql`'{}'::jsonb`),
    lastLoginAt: timestampColumn('last_login_at'),
    createdAt: timestampColumn('created_at').notNull(),
    updatedAt: timestampColumn('updated_at').notNull(),
  },
  (table) => [
    uniqueIndex('users_email_idx').on(table.email),
    uniqueIndex('users_sso_subject_idx').on(table.tenantId, table.ssoIssuer, table.ssoSubject),
    index('users_tenant_idx').on(table.tenantId, table.createdAt.desc(), table.id.desc()),
  ],
);

/** Virtual keys: the secret is shown once; only its SHA-256 is stored, found by hash, shown by prefix. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    /** Model ids (or aliases) this key may call; null means every model. */
    allowedModels: jsonb('allowed_models').$type<string[] | null>(),
    limits: jsonb('limits').$type<StoredLimits>().notNull().default(sql`'{}'::jsonb`),
    expiresAt: timestampColumn('expires_at'),
    revokedAt: timestampColumn('revoked_at'),
    lastUsedAt: timestampColumn('last_used_at'),
    createdBy: text('created_by'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (table) => [
    uniqueIndex('api_keys_hash_idx').on(table.keyHash),
    index('api_keys_tenant_idx').on(table.tenantId, table.createdAt.desc(), table.id.desc()),
  ],
);

/**
 * Refresh tokens, rotated on every use. A family is one sign-in; presenting a used token again (reuse) revokes the
 * whole family, as does logout.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    familyId: text('family_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestampColumn('expires_at').notNull(),
    usedAt: timestampColumn('used_at'),
    revokedAt: timestampColumn('revoked_at'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (table) => [uniqueIndex('refresh_tokens_hash_idx').on(table.tokenHash), index('refresh_tokens_family_idx').on(table.familyId)],
);

/** One OIDC identity provider per tenant. */
export const ssoConfigs = pgTable('sso_configs', {
  id: text('id').primaryKey(),
  tenantId: text('tenant_id')
    .notNull()
    .unique()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  issuer: text('issuer').notNull(),
  clientId: text('client_id').notNull(),
  clientSecret: text('client_secret'),
  redirectUri: text('redirect_uri').notNull(),
  scopes: text('scopes').notNull().default('openid email profile'),
  defaultRole: text('default_role', { enum: ['admin', 'manager', 'user', 'viewer'] }).notNull().default('user'),
  /** The claim holding groups or roles (e.g. `groups`); its values are looked up in `role_mapping`. */
  roleClaim: text('role_claim'),
  roleMapping: jsonb('role_mapping').$type<Record<string, 'admin' | 'manager' | 'user' | 'viewer'>>().notNull().default(sql`'{}'::jsonb`),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: timestampColumn('created_at').notNull(),
  updatedAt: timestampColumn('updated_at').notNull(),
});

/** An SSO sign-in between its redirect and its callback; any replica can complete it. */
export const ssoLoginStates = pgTable('sso_login_states', {
  state: text('state').primaryKey(),
  tenantId: text('tenant_id').notNull(),
  nonce: text('nonce').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  expiresAt: timestampColumn('expires_at').notNull(),
  createdAt: timestampColumn('created_at').notNull(),
});

/** Budget thresholds crossed (50/80/100%), once per scope, period and threshold, for alerting and the audit trail. */
export const budgetAlerts = pgTable(
  'budget_alerts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    scope: text('scope', { enum: ['global', 'tenant', 'user', 'key'] }).notNull(),
    scopeId: text('scope_id').notNull(),
    period: text('period', { enum: ['month', 'day'] }).notNull(),
    periodStart: timestampColumn('period_start').notNull(),
    threshold: integer('threshold').notNull(),
    budgetUsd: numeric('budget_usd', { precision: 24, scale: 9 }).notNull(),
    spentUsd: numeric('spent_usd', { precision: 24, scale: 9 }).notNull(),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (table) => [
    uniqueIndex('budget_alerts_once_idx').on(table.scope, table.scopeId, table.period, table.periodStart, table.threshold),
    index('budget_alerts_tenant_idx').on(table.tenantId, table.createdAt.desc()),
  ],
);

/** Secrets the replicas must share (the JWT signing key), created by whichever replica starts first. */
export const gatewaySecrets = pgTable('gateway_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestampColumn('created_at').notNull(),
});

export type StoredTenant = typeof tenants.$inferSelect;
export type StoredUser = typeof users.$inferSelect;
export type StoredApiKey = typeof apiKeys.$inferSelect;
export type StoredSsoConfig = typeof ssoConfigs.$inferSelect;
export type StoredBudgetAlert = typeof budgetAlerts.$inferSelect;
