import { z } from 'zod';

/** Ordered from most to least privileged: the order decides which role wins when several claim values match. */
export const roles = ['admin', 'manager', 'user', 'viewer'] as const;

export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

const issuerUrlSchema = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol), {
    message: 'The issuer must be an http(s) URL.',
  });

/**
 * A tenant's OIDC identity provider, as stored in `sso_configs` (parse the row with this schema before use: the
 * database JSON and the admin's input are both boundaries).
 */
export const ssoSettingsSchema = z.object({
  issuer: issuerUrlSchema,
  clientId: z.string().min(1),
  /** Null makes a public client: PKCE alone proves the code's origin and the token request carries no secret. */
  clientSecret: z.string().min(1).nullable(),
  redirectUri: z.url({ protocol: /^https?$/ }),
  /** Space-separated; `openid` is added when missing because the flow needs an ID token. */
  scopes: z.string().trim().default('openid email profile'),
  defaultRole: roleSchema.default('user'),
  /** The claim holding groups or roles: a plain name, a dotted path (`realm_access.roles`) or a URL-like name. */
  roleClaim: z.string().trim().min(1).nullable().default(null),
  roleMapping: z.record(z.string(), roleSchema).default({}),
});

export type SsoSettings = z.infer<typeof ssoSettingsSchema>;

/** Scopes to request: the configured ones, always including `openid`, without duplicates. */
export function resolveScopes(scopes: string): string {
  const requested = scopes.split(/\s+/).filter((scope) => scope !== '');
  return [...new Set(['openid', ...requested])].join(' ');
}
