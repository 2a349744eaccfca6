import { GatewayError, sessionResponseSchema, ssoConfigRequestSchema, ssoConfigViewSchema, ssoDiscoverRequestSchema, ssoInitiateRequestSchema } from '@arbiter/shared';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { ssoConfigs, type StoredSsoConfig } from '../db/schema.js';
import { isUniqueViolation } from '../identity/identity-store.js';
import { newSsoConfigId, type SsoService } from '../identity/sso-service.js';
import { discoverIssuer } from '../identity/sso/discover-issuer.js';
import { toUserView } from '../identity/views.js';
import { tenantScopeOf } from './authorize.js';

/** The public half of SSO: which provider a tenant uses, start a sign-in, finish it. */
export const ssoLoginRoutes: FastifyPluginAsyncZod<{ sso: SsoService }> = async (app, { sso }) => {
  app.get(
    '/api/v1/admin/auth/sso/providers',
    { schema: { querystring: z.object({ tenant: z.string().min(1).max(200) }), tags: ['sso'], summary: 'The SSO provider of an organisation (by slug), for a sign-in page' } },
    async (request) => {
      const { slug, config } = await sso.findEnabledConfig(request.query.tenant).catch((error: unknown) => {
        if (error instanceof GatewayError && error.code === 'resource_not_found') return { slug: request.query.tenant, config: null };
        throw error;
      });
      return {
        object: 'list',
        data: config === null ? [] : [{ tenant: slug, type: 'oidc', issuer: config.issuer, initiate_url: '/api/v1/admin/auth/sso/initiate' }],
      };
    },
  );

  app.post(
    '/api/v1/admin/auth/sso/initiate',
    { schema: { body: ssoInitiateRequestSchema, tags: ['sso'], summary: 'Start an SSO sign-in: the URL to send the browser to' } },
    async (request) => {
      const started = await sso.initiate(request.body.tenant);
      return { authorization_url: started.authorizationUrl, state: started.state, expires_in: started.expiresIn };
    },
  );

  app.get(
    '/api/v1/admin/auth/sso/callback',
    { schema: { response: { 200: sessionResponseSchema }, tags: ['sso'], summary: 'The identity provider redirects here: checks state, nonce and PKCE, signs the user in' } },
    async (request) => {
      const { tokens, user } = await sso.complete(new URL(request.url, 'http://callback.invalid'));
      return { ...tokens, user: toUserView(user) };
    },
  );
};

const ssoConfigUpdateSchema = ssoConfigRequestSchema.partial();

/** The tenant admin's half: the tenant's OIDC configuration, and discovery to try an issuer before saving it. */
export const ssoAdminRoutes: FastifyPluginAsyncZod<{ database: Database; sso: SsoService }> = async (app, { database, sso }) => {
  const findOrThrow = async (tenantId: string): Promise<StoredSsoConfig> => {
    const config = await sso.findConfig(tenantId);
    if (config === null) throw new GatewayError('resource_not_found', { message: 'This organisation has no SSO configuration yet.' });
    return config;
  };

  app.get(
    '/api/v1/admin/sso/config',
    { config: { permission: 'sso.manage' }, schema: { querystring: z.object({ tenant_id: z.string().optional() }), response: { 200: ssoConfigViewSchema }, tags: ['sso'], summary: 'The tenant’s SSO configuration (the client secret is never returned)' } },
    async (request) => toView(await findOrThrow(tenantScopeOf(request))),
  );

  app.post(
    '/api/v1/admin/sso/config',
    {
      config: { permission: 'sso.manage' },
      schema: { querystring: z.object({ tenant_id: z.string().optional() }), body: ssoConfigRequestSchema, response: { 201: ssoConfigViewSchema }, tags: ['sso'], summary: 'Configure SSO (the issuer is discovered first)' },
    },
    async (request, reply) => {
      const body = request.body;
      await discoverIssuer(body.issuer, sso.requestOptions(body.issuer));
      const now = new Date();
      try {
        const [row] = await database.db
          .insert(ssoConfigs)
          .values({
            id: newSsoConfigId(),
            tenantId: tenantScopeOf(request),
            issuer: body.issuer,
            clientId: body.client_id,
            clientSecret: body.client_secret ?? null,
            redirectUri: body.redirect_uri,
            ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
            ...(body.default_role !== undefined ? { defaultRole: body.default_role } : {}),
            roleClaim: body.role_claim ?? null,
            roleMapping: body.role_mapping ?? {},
            enabled: body.enabled ?? true,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        if (row === undefined) throw new Error('sso config insert returned nothing');
        return reply.status(201).send(toView(row));
      } catch (error) {
        if (isUniqueViolation(error)) throw new GatewayError('conflict', { message: 'SSO is already configured for this organisation: use PUT to change it.', cause: error });
        throw error;
      }
    },
  );

  app.put(
    '/api/v1/admin/sso/config',
    {
      config: { permission: 'sso.manage' },
      schema: { querystring: z.object({ tenant_id: z.string().optional() }), body: ssoConfigUpdateSchema, response: { 200: ssoConfigViewSchema }, tags: ['sso'], summary: 'Change the SSO configuration' },
    },
    async (request) => {
      const tenantId = tenantScopeOf(request);
      const current = await findOrThrow(tenantId);
      const body = request.body;
      if (body.issuer !== undefined && body.issuer !== current.issuer) await discoverIssuer(body.issuer, sso.requestOptions(body.issuer));
      const [row] = await database.db
        .update(ssoConfigs)
        .set({
          ...(body.issuer !== undefined ? { issuer: body.issuer } : {}),
          ...(body.client_id !== undefined ? { clientId: body.client_id } : {}),
          ...(body.client_secret !== undefined ? { clientSecret: body.client_secret } : {}),
          ...(body.redirect_uri !== undefined ? { redirectUri: body.redirect_uri } : {}),
          ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
          ...(body.default_role !== undefined ? { defaultRole: body.default_role } : {}),
          ...(body.role_claim !== undefined ? { roleClaim: body.role_claim } : {}),
          ...(body.role_mapping !== undefined ? { roleMapping: body.role_mapping } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
          updatedAt: new Date(),
        })
        .where(eq(ssoConfigs.tenantId, tenantId))
        .returning();
      if (row === undefined) throw new GatewayError('resource_not_found', { message: 'This organisation has no SSO configuration yet.' });
      return toView(row);
    },
  );

  app.delete(
    '/api/v1/admin/sso/config',
    { config: { permission: 'sso.manage' }, schema: { querystring: z.object({ tenant_id: z.string().optional() }), tags: ['sso'], summary: 'Remove the SSO configuration (SSO users keep their accounts; they can no longer sign in with SSO)' } },
    async (request) => {
      const tenantId = tenantScopeOf(request);
      const deleted = await database.db.delete(ssoConfigs).where(eq(ssoConfigs.tenantId, tenantId)).returning({ id: ssoConfigs.id });
      if (deleted.length === 0) throw new GatewayError('resource_not_found', { message: 'This organisation has no SSO configuration.' });
      return { object: 'sso_config.deleted', tenant_id: tenantId, deleted: true };
    },
  );

  app.post(
    '/api/v1/admin/sso/discover',
    { config: { permission: 'sso.manage' }, schema: { body: ssoDiscoverRequestSchema, tags: ['sso'], summary: 'Read an issuer’s OpenID configuration (to check it before saving)' } },
    async (request) => discoverIssuer(request.body.issuer, sso.requestOptions(request.body.issuer)),
  );
};

function toView(config: StoredSsoConfig): z.infer<typeof ssoConfigViewSchema> {
  return {
    id: config.id,
    object: 'sso_config',
    tenant_id: config.tenantId,
    issuer: config.issuer,
    client_id: config.clientId,
    has_client_secret: config.clientSecret !== null,
    redirect_uri: config.redirectUri,
    scopes: config.scopes,
    default_role: config.defaultRole,
    role_claim: config.roleClaim,
    role_mapping: config.roleMapping,
    enabled: config.enabled,
    created_at: config.createdAt.toISOString(),
    updated_at: config.updatedAt.toISOString(),
  };
}
