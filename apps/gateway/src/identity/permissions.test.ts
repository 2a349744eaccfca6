import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatPermissionTable, highestRole, isAllowed, mayGrant } from './permissions.js';

describe('permission table', () => {
  it('is what docs/access-control.md documents', () => {
    const document = readFileSync(new URL('../../../../docs/access-control.md', import.meta.url), 'utf8');
    const table = /<!-- permissions:begin -->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(document)?.[1];
    expect(table, 'docs/access-control.md has no table markers').toBeDefined();
    expect(table).toBe(formatPermissionTable());
  });

  it('keeps viewers read-only and the platform operator above everyone', () => {
    expect(isAllowed('viewer', 'inference')).toBe(false);
    expect(isAllowed('viewer', 'usage.read')).toBe(true);
    expect(isAllowed('user', 'usage.read')).toBe(false);
    expect(isAllowed('admin', 'tenants.admin')).toBe(false);
    expect(isAllowed('super-admin', 'tenants.admin')).toBe(true);
  });

  it('lets nobody grant above their role, and a manager never grants admin', () => {
    expect(mayGrant('manager', 'admin')).toBe(false);
    expect(mayGrant('manager', 'manager')).toBe(true);
    expect(mayGrant('user', 'viewer')).toBe(false);
    expect(mayGrant('admin', 'admin')).toBe(true);
    expect(highestRole(['viewer', 'manager', 'user'])).toBe('manager');
    expect(highestRole([])).toBeNull();
  });
});
