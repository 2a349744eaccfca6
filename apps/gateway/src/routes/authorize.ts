import { GatewayError } from '@arbiter/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../pipeline/authenticate.js';
import { isAllowed, type Permission } from '../identity/permissions.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the caller's role must allow (any of several); routes without one are public. */
    permission?: Permission | readonly Permission[];
  }
}

export interface RoutePermission {
  method: string;
  url: string;
  permission: readonly Permission[];
}

/**
 * Enforces each route's permission from the table, after authentication. Every route registered with a permission is
 * listed in `table`, which is what the role × route test matrix walks.
 */
export function registerAuthorization(app: FastifyInstance, table: RoutePermission[]): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const permission = route.config?.permission ?? defaultPermissionFor(methods[0] ?? 'GET', route.url);
    route.config = { ...route.config, permission };
    if (permission === undefined) return;
    for (const method of methods) {
      if (method === 'HEAD') continue;
      table.push({ method, url: route.url, permission: typeof permission === 'string' ? [permission] : permission });
    }
  });
  // Before validation: a caller who may not use a route learns nothing about its body schema.
  app.addHook('preValidation', (request, _reply, done) => {
    const permission = request.routeOptions.config.permission;
    if (permission === undefined) {
      done();
      return;
    }
    const principal = request.principal;
    if (principal === null) {
      done(new GatewayError('missing_api_key'));
      return;
    }
    const allowed = typeof permission === 'string' ? isAllowed(principal.role, permission) : permission.some((entry) => isAllowed(principal.role, entry));
    if (!allowed) {
      done(new GatewayError('permission_denied', { message: `The ${principal.role} role may not call ${request.method} ${request.routeOptions.url ?? request.url}.` }));
      return;
    }
    done();
  });
}

/**
 * The permission of routes that do not name their own: the inference, usage, history and guardrail routes, kept here
 * so that the whole table can be read in one place.
 */
function defaultPermissionFor(method: string, url: string): Permission | readonly Permission[] {
  if (url.startsWith('/api/v1/usage')) return ['usage.read', 'usage.read-own'];
  if (url.startsWith('/api/v1/history')) return 'history.manage';
  if (url.startsWith('/api/v1/admin/guardrails')) return method === 'GET' || url.endsWith('/test') ? 'guardrails.read' : 'guardrails.manage';
  if (method === 'GET') return 'models.read';
  return 'inference';
}

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new GatewayError('missing_api_key');
  return request.principal;
}

/** The tenant a route acts on: the caller's own; the platform operator may name another with `?tenant_id=`. */
export function tenantScopeOf(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (principal.role === 'super-admin') {
    const requested = (request.query as { tenant_id?: unknown } | undefined)?.tenant_id;
    if (typeof requested === 'string' && requested !== '') return requested;
  }
  return principal.tenantId;
}
