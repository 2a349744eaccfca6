import { describe, expect, it } from 'vitest';
import { mapClaimsToRole, readClaimValues, type RoleMappingSettings } from './map-claims-to-role.js';

const groupSettings: RoleMappingSettings = {
  defaultRole: 'user',
  roleClaim: 'groups',
  roleMapping: { admins: 'admin', leads: 'manager', staff: 'user', contractors: 'viewer' },
};

describe('mapClaimsToRole', () => {
  it('gives the default role when no claim is configured', () => {
    expect(mapClaimsToRole({ groups: ['admins'] }, { ...groupSettings, roleClaim: null })).toBe('user');
  });

  it('maps a single string claim', () => {
    expect(mapClaimsToRole({ groups: 'leads' }, groupSettings)).toBe('manager');
  });

  it('picks the most privileged of several matches, whatever their order', () => {
    expect(mapClaimsToRole({ groups: ['contractors', 'staff', 'admins', 'leads'] }, groupSettings)).toBe('admin');
    expect(mapClaimsToRole({ groups: ['contractors', 'leads'] }, groupSettings)).toBe('manager');
  });

  it('lets a mapping demote below the default role', () => {
    expect(mapClaimsToRole({ groups: ['contractors', 'unknown'] }, groupSettings)).toBe('viewer');
  });

  it('falls back to the default role when nothing matches or the claim is absent or malformed', () => {
    expect(mapClaimsToRole({ groups: ['sales'] }, groupSettings)).toBe('user');
    expect(mapClaimsToRole({}, groupSettings)).toBe('user');
    expect(mapClaimsToRole({ groups: 42 }, groupSettings)).toBe('user');
    expect(mapClaimsToRole({ groups: { admins: true } }, groupSettings)).toBe('user');
  });

  it('ignores non-string members of an array claim', () => {
    expect(mapClaimsToRole({ groups: [1, null, { name: 'admins' }, 'leads'] }, groupSettings)).toBe('manager');
  });

  it('matches case-sensitively', () => {
    expect(mapClaimsToRole({ groups: ['Admins'] }, groupSettings)).toBe('user');
  });

  it('never matches inherited object keys', () => {
    const settings: RoleMappingSettings = { defaultRole: 'viewer', roleClaim: 'groups', roleMapping: {} };
    expect(mapClaimsToRole({ groups: ['toString', 'constructor', '__proto__'] }, settings)).toBe('viewer');
  });

  it('reads dotted paths into nested claims (Keycloak realm roles)', () => {
    const claims = { realm_access: { roles: ['offline_access', 'gateway-admin'] } };
    const settings: RoleMappingSettings = { defaultRole: 'viewer', roleClaim: 'realm_access.roles', roleMapping: { 'gateway-admin': 'admin' } };
    expect(mapClaimsToRole(claims, settings)).toBe('admin');
  });

  it('reads namespaced claims whose names contain dots (Auth0) as one name first', () => {
    const claims = { 'https://arbiter.example.com/roles': ['managers'] };
    const settings: RoleMappingSettings = {
      defaultRole: 'user',
      roleClaim: 'https://arbiter.example.com/roles',
      roleMapping: { managers: 'manager' },
    };
    expect(mapClaimsToRole(claims, settings)).toBe('manager');
  });
});

describe('readClaimValues', () => {
  it('returns nothing for a path through a non-object', () => {
    expect(readClaimValues({ realm_access: 'roles' }, 'realm_access.roles')).toEqual([]);
    expect(readClaimValues({ realm_access: ['roles'] }, 'realm_access.roles')).toEqual([]);
  });
});
