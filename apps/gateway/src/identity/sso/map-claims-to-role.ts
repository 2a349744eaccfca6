import { roles, type Role, type SsoSettings } from './sso-settings.js';

export type RoleMappingSettings = Pick<SsoSettings, 'defaultRole' | 'roleClaim' | 'roleMapping'>;

/**
 * The role a signed-in user gets: every value of the role claim is looked up in the mapping and the most privileged
 * match wins (admin > manager > user > viewer). The default role applies only when nothing matches, so a mapping may
 * also demote (a `contractors` group mapped to `viewer` beats a default of `user`).
 */
export function mapClaimsToRole(claims: Record<string, unknown>, settings: RoleMappingSettings): Role {
  if (settings.roleClaim === null) return settings.defaultRole;
  const matched = readClaimValues(claims, settings.roleClaim)
    .filter((value) => Object.hasOwn(settings.roleMapping, value))
    .map((value) => settings.roleMapping[value])
    .filter((role): role is Role => role !== undefined);
  if (matched.length === 0) return settings.defaultRole;
  return roles.find((role) => matched.includes(role)) ?? settings.defaultRole;
}

/**
 * The string values of a claim. The whole name is tried first because namespaced claims are URLs full of dots
 * (`https://example.com/roles`); only then is it read as a path into nested objects (`realm_access.roles`).
 */
export function readClaimValues(claims: Record<string, unknown>, name: string): string[] {
  const value = Object.hasOwn(claims, name) ? claims[name] : readPath(claims, name.split('.'));
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function readPath(value: unknown, path: string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (!isRecord(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
