/**
 * Who may call what. The table is data: the route hook reads it, the docs table is printed from it, and the role ×
 * route test matrix is generated from it. Roles are not a ladder: a `viewer` (an auditor) reads the tenant's usage but
 * calls no model; a `user` calls models and reads only their own usage and keys.
 */
export const tenantRoles = ['admin', 'manager', 'user', 'viewer'] as const;
export type TenantRole = (typeof tenantRoles)[number];
/** The platform operator (`ARBITER_MASTER_KEY`) is above every tenant. */
export type Role = TenantRole | 'super-admin';

export const permissions = {
  'inference': { roles: ['super-admin', 'admin', 'manager', 'user'], description: 'Call models: /v1/chat/completions, /v1/embeddings, /v1/messages, governance analysis' },
  'models.read': { roles: ['super-admin', 'admin', 'manager', 'user', 'viewer'], description: 'List models' },
  'usage.read': { roles: ['super-admin', 'admin', 'manager', 'viewer'], description: "Read the tenant's usage records" },
  'usage.read-own': { roles: ['user'], description: 'Read their own usage records' },
  'history.manage': { roles: ['super-admin', 'admin', 'manager', 'user'], description: 'Read and delete governance history of the tenant' },
  'users.read': { roles: ['super-admin', 'admin', 'manager', 'viewer'], description: 'List and read the tenant’s users and their usage' },
  'users.manage': { roles: ['super-admin', 'admin', 'manager'], description: 'Create, update, deactivate and delete users (a manager cannot grant or touch admin)' },
  'keys.read': { roles: ['super-admin', 'admin', 'manager', 'user', 'viewer'], description: "List API keys (a user and a viewer see only their own)" },
  'keys.manage': { roles: ['super-admin', 'admin', 'manager', 'user'], description: 'Create and revoke API keys (a user only for themselves)' },
  'sso.manage': { roles: ['super-admin', 'admin'], description: "Read and edit the tenant's SSO configuration" },
  'tenant.read': { roles: ['super-admin', 'admin', 'manager', 'user', 'viewer'], description: 'Read their own tenant' },
  'tenant.manage': { roles: ['super-admin', 'admin'], description: 'Rename their own tenant (limits and budgets are the platform operator’s)' },
  'tenants.admin': { roles: ['super-admin'], description: 'Create, list and delete tenants; set tenant limits and budgets' },
  'budgets.read': { roles: ['super-admin', 'admin', 'manager', 'viewer'], description: 'Budgets, spend, alerts and cost optimisation insight' },
  'guardrails.read': { roles: ['super-admin', 'admin', 'manager', 'user', 'viewer'], description: 'Read guardrails and policies, test a text' },
  'guardrails.manage': { roles: ['super-admin', 'admin'], description: "Set the tenant's guardrail policy" },
} as const satisfies Record<string, { roles: readonly Role[]; description: string }>;

export type Permission = keyof typeof permissions;

export function isAllowed(role: Role, permission: Permission): boolean {
  return (permissions[permission].roles as readonly Role[]).includes(role);
}

const rank: Record<Role, number> = { 'super-admin': 5, admin: 4, manager: 3, user: 2, viewer: 1 };

/** Whether `actor` may grant `target` (create or promote a user to it): nobody grants above their own role, and a manager never grants admin. */
export function mayGrant(actor: Role, target: TenantRole): boolean {
  if (actor === 'super-admin' || actor === 'admin') return true;
  if (actor === 'manager') return rank[target] < rank.admin;
  return false;
}

/** The most privileged of several roles. */
export function highestRole(roles: TenantRole[]): TenantRole | null {
  let best: TenantRole | null = null;
  for (const role of roles) if (best === null || rank[role] > rank[best]) best = role;
  return best;
}

/** The table as Markdown, for docs/access-control.md (a test keeps the two equal). */
export function formatPermissionTable(): string {
  const columns: Role[] = ['super-admin', 'admin', 'manager', 'user', 'viewer'];
  const lines = [`| permission | ${columns.join(' | ')} | what it covers |`, `|---|${columns.map(() => ':-:').join('|')}|---|`];
  for (const [id, entry] of Object.entries(permissions)) {
    const marks = columns.map((role) => ((entry.roles as readonly Role[]).includes(role) ? '✓' : ' '));
    lines.push(`| \`${id}\` | ${marks.join(' | ')} | ${entry.description} |`);
  }
  return lines.join('\n');
}
