import {
  GatewayError,
  loginRequestSchema,
  refreshRequestSchema,
  registerRequestSchema,
  sessionResponseSchema,
  tokenResponseSchema,
  userViewSchema,
} from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import type { AccountService } from '../identity/account-service.js';
import { createTenantWithAdmin, createUserInTenant } from '../identity/user-admin.js';
import { toTenantView, toUserView } from '../identity/views.js';
import { findTenant, findUser } from '../identity/identity-store.js';
import { isAllowed } from '../identity/permissions.js';
import type { Authenticator, Principal } from '../pipeline/authenticate.js';
import type { IdentityEvents } from '../identity/identity-events.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import { principalOf } from './authorize.js';

export interface AuthRouteOptions {
  database: Database;
  accounts: AccountService;
  authenticator: Authenticator;
  events: IdentityEvents;
  openSignup: boolean;
  rateLimiter: RateLimiter;
  /** Sign-in attempts per client IP per minute, whatever the account: password spraying meets this before any lockout. */
  loginAttemptsPerIp: number;
}

/**
 * Sign-up, sign-in, token refresh and sign-out (public: they carry their own credentials), under the seed 002
 * spelling `/api/v1/auth/*` and the seed 003 admin spelling `/api/v1/admin/auth/*`.
 */
export const authRoutes: FastifyPluginAsyncZod<AuthRouteOptions> = async (app, options) => {
  const { database, accounts, authenticator, events } = options;

  for (const prefix of ['/api/v1/auth', '/api/v1/admin/auth']) {
    app.post(
      `${prefix}/register`,
      {
        schema: {
          body: registerRequestSchema,
          tags: ['auth'],
          summary:
            'Register a user. With an admin or manager credential: a user in the caller’s tenant. Without one (only when ARBITER_OPEN_SIGNUP=true): a new tenant with the caller as its admin, signed in.',
        },
      },
      async (request, reply) => {
        const body = request.body;
        const hasCredential = request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
        if (!hasCredential) {
          if (!options.openSignup) {
            throw new GatewayError('permission_denied', { message: 'Sign-up is closed on this gateway: ask an administrator to create your account.' });
          }
          const { tenant, user } = await createTenantWithAdmin(database, {
            name: body.tenant_name ?? body.email.split('@')[1] ?? body.email,
            admin: { email: body.email, password: body.password, name: body.name },
          });
          const tokens = await accounts.startSession(user);
          return reply.status(201).send({ ...sessionResponseSchema.parse({ ...tokens, user: toUserView(user) }), tenant: toTenantView(tenant) });
        }
        const principal: Principal = await authenticator.authenticate(request.headers);
        if (!isAllowed(principal.role, 'users.manage')) {
          throw new GatewayError('permission_denied', { message: `The ${principal.role} role may not register users.` });
        }
        if (principal.role === 'super-admin' && body.tenant_name !== undefined) {
          const { tenant, user } = await createTenantWithAdmin(database, {
            name: body.tenant_name,
            admin: { email: body.email, password: body.password, name: body.name },
          });
          return reply.status(201).send({ ...toUserView(user), tenant: toTenantView(tenant) });
        }
        const tenantId = principal.role === 'super-admin' ? (body.tenant_id ?? principal.tenantId) : principal.tenantId;
        if (body.tenant_id !== undefined && body.tenant_id !== tenantId) {
          throw new GatewayError('permission_denied', { message: 'Users can only be registered in your own organisation.', param: 'tenant_id' });
        }
        const user = await createUserInTenant(database, principal, tenantId, {
          email: body.email,
          password: body.password,
          name: body.name,
          role: body.role ?? 'user',
        });
        await events.changed({ kind: 'user', id: user.id });
        return reply.status(201).send(toUserView(user));
      },
    );

    app.post(
      `${prefix}/login`,
      { schema: { body: loginRequestSchema, response: { 200: sessionResponseSchema }, tags: ['auth'], summary: 'Sign in with email and password' } },
      async (request) => {
        const decision = await options.rateLimiter.admit({ requests: [{ key: `login:ip:${request.ip}`, limit: options.loginAttemptsPerIp }], tokens: [] });
        if (!decision.allowed) {
          const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
          throw new GatewayError('rate_limited', { message: `Too many sign-in attempts from this address; retry after ${seconds} s.`, headers: { 'retry-after': String(seconds) } });
        }
        const { tokens, user } = await accounts.login(request.body.email, request.body.password);
        return { ...tokens, user: toUserView(user) };
      },
    );

    app.post(
      `${prefix}/refresh`,
      {
        schema: {
          body: refreshRequestSchema,
          response: { 200: tokenResponseSchema },
          tags: ['auth'],
          summary: 'Exchange a refresh token for a new pair (the old one is spent; reusing it revokes the sign-in)',
        },
      },
      async (request) => accounts.refresh(request.body.refresh_token),
    );

    app.post(
      `${prefix}/logout`,
      { schema: { body: refreshRequestSchema, tags: ['auth'], summary: 'Revoke the sign-in the refresh token belongs to' } },
      async (request, reply) => {
        await accounts.logout(request.body.refresh_token);
        return reply.status(204).send();
      },
    );
  }
};

const profileSchema = z.object({
  object: z.literal('profile'),
  role: z.string(),
  kind: z.string(),
  key_id: z.string(),
  user: userViewSchema.nullable(),
  tenant: z.object({ id: z.string(), name: z.string(), slug: z.string() }).nullable(),
});

/** `GET /api/v1/auth/profile`: who the credential is (any authenticated caller). */
export const profileRoutes: FastifyPluginAsyncZod<{ database: Database }> = async (app, { database }) => {
  for (const path of ['/api/v1/auth/profile', '/api/v1/admin/auth/profile']) {
    app.get(path, { schema: { response: { 200: profileSchema }, tags: ['auth'], summary: 'The caller: user, role and tenant' } }, async (request) => {
      const principal = principalOf(request);
      const [user, tenant] = await Promise.all([
        principal.userId === null ? null : findUser(database, principal.userId),
        findTenant(database, principal.tenantId),
      ]);
      return {
        object: 'profile' as const,
        role: principal.role,
        kind: principal.kind,
        key_id: principal.keyId,
        user: user === null ? null : toUserView(user),
        tenant: tenant === null ? null : { id: tenant.id, name: tenant.name, slug: tenant.slug },
      };
    });
  }
};
