import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { GatewayError, type GatewayConfig } from '@arbiter/shared';
import type { Redis } from 'ioredis';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { ModelCatalog } from './catalog/model-catalog.js';
import type { Env, SecretLookup } from './config/env.js';
import type { Database } from './db/database.js';
import { AccessTokens } from './identity/access-tokens.js';
import { AccountService, defaultAccountOptions } from './identity/account-service.js';
import type { IdentityEvents } from './identity/identity-events.js';
import { SsoService } from './identity/sso-service.js';
import { createLimitStores, type LimitStores } from './limits/create-limits.js';
import { Admission } from './pipeline/admit.js';
import { Authenticator, type Principal } from './pipeline/authenticate.js';
import { adminBudgetRoutes } from './routes/admin-budget-routes.js';
import { registerAdmission } from './routes/admission-hook.js';
import { ssoAdminRoutes, ssoLoginRoutes } from './routes/sso-routes.js';
import { adminApiKeyRoutes } from './routes/admin-api-keys-routes.js';
import { adminTenantRoutes } from './routes/admin-tenants-routes.js';
import { adminUserRoutes } from './routes/admin-users-routes.js';
import { authRoutes, profileRoutes } from './routes/auth-routes.js';
import { registerAuthorization, type RoutePermission } from './routes/authorize.js';
import { loadShippedCatalog } from './pricing/price-catalog.js';
import { createProviderRegistry } from './providers/provider-registry.js';
import { HttpClient } from './providers/shared/http-client.js';
import { PromptTemplates } from './governance/prompt-templates.js';
import { GuardrailService } from './guardrails/guardrail-service.js';
import { TenantPolicyStore } from './guardrails/tenant-policy-store.js';
import { anthropicMessagesRoutes } from './routes/anthropic-messages-routes.js';
import { registerErrorHandling } from './routes/error-handler.js';
import { guardrailsRoutes } from './routes/guardrails-routes.js';
import { governanceRoutes } from './routes/governance-routes.js';
import { historyRoutes } from './routes/history-routes.js';
import { Router } from './routing/router.js';
import { inferenceRoutes } from './routes/inference-routes.js';
import { opsRoutes, type ReadinessProbe } from './routes/ops-routes.js';
import { usageRoutes } from './routes/usage-routes.js';
import { UsageRecorder } from './usage/usage-recorder.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Null until the authenticate hook ran (and on unauthenticated routes). */
    principal: Principal | null;
    /** Set once the pipeline took the request: from then on the pipeline writes its usage record. */
    pipelineEntered: boolean;
  }
}

export interface AppOptions {
  env: Env;
  config: GatewayConfig;
  database: Database;
  secrets: SecretLookup;
  probes?: ReadinessProbe[];
  /** Shared limits, budgets and cache invalidation across replicas; without it they live in this process. */
  redis?: Redis | null;
  /** Redis key prefix (tests isolate themselves with their own). */
  redisPrefix?: string;
}

export interface App {
  app: FastifyInstance;
  limits: LimitStores;
  admission: Admission;
  /** Every route that requires a permission (what the role × route test matrix walks). */
  routePermissions: RoutePermission[];
  recorder: UsageRecorder;
  catalog: ModelCatalog;
  /** Guardrail policies: the configured default and per-tenant overrides (`setTenantPolicy`). */
  guardrails: GuardrailService;
}

/**
 * Builds the gateway as one Fastify application: production and tests build exactly the same thing. Closing the
 * app closes upstream pools and flushes usage records.
 */
export async function buildApp(options: AppOptions): Promise<App> {
  const { env, config, database } = options;
  const app = Fastify({
    logger: env.ARBITER_LOG_LEVEL === 'silent' ? false : { level: env.ARBITER_LOG_LEVEL },
    // The usage record is the request log; a log line per request would cost more than the whole pipeline.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: env.ARBITER_MAX_BODY_BYTES,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    forceCloseConnections: 'idle',
    // Requests that arrive while closing get our own 503 envelope (and a usage record), not Fastify's.
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // curl sends `-d` bodies as form data and some clients omit the content type: every body is read as JSON.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  const http = new HttpClient();
  const providers = createProviderRegistry(env, config, options.secrets, http);
  const catalog = new ModelCatalog(providers, loadShippedCatalog(), config);
  const router = new Router(catalog, config);
  const pseudonymKeyEnv = config.guardrails.pseudonym_key_env;
  const guardrails = await GuardrailService.create(config.guardrails, { pseudonymKey: pseudonymKeyEnv === undefined ? undefined : options.secrets(pseudonymKeyEnv) });
  const recorder = new UsageRecorder(database, {
    flushIntervalMs: config.usage.flush_interval_ms,
    maxBatch: config.usage.max_batch,
    spoolDir: `${env.ARBITER_DATA_DIR}/spool`,
    logger: app.log,
  });
  recorder.start();
  const accessTokens = await AccessTokens.open(database, env.ARBITER_ACCESS_TOKEN_TTL_SECONDS);
  const authenticator = new Authenticator({ masterKey: env.ARBITER_MASTER_KEY, database, accessTokens });
  const accounts = new AccountService(database, accessTokens, { ...defaultAccountOptions, refreshTtlSeconds: env.ARBITER_REFRESH_TOKEN_TTL_SECONDS });
  const limits = createLimitStores(options.redis ?? null, { prefix: options.redisPrefix });
  // Every replica (this one included) drops its cached copy of whatever another changed.
  const tenantPolicies = new TenantPolicyStore(database, guardrails, app.log);
  await tenantPolicies.loadAll();
  limits.invalidationBus.subscribe((message) => {
    authenticator.invalidate(message);
    const reload = message.kind === 'policy' || message.kind === 'tenant' ? tenantPolicies.reload(message.id) : message.kind === 'all' ? tenantPolicies.loadAll() : null;
    reload?.catch((error: unknown) => app.log.error({ err: error }, 'reloading guardrail policies failed'));
  });
  // Listen for invalidations before serving; a Redis that is down does not hold start-up (readiness reports it, and
  // the subscriber clears every cache once it connects).
  await Promise.race([limits.invalidationBus.ready(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  const events: IdentityEvents = { changed: (message) => limits.invalidationBus.publish(message) };
  const admission = new Admission({
    rateLimiter: limits.rateLimiter,
    budgetLedger: limits.budgetLedger,
    store: limits.admissionStore,
    database,
    globalMonthlyUsd: env.MONTHLY_COST_LIMIT,
    ipRpm: env.ARBITER_IP_RPM,
    logger: app.log,
  });
  // Every usage record the pipeline writes also settles its request's budget reservation and token count.
  const pipelineRecorder: Pick<UsageRecorder, 'record'> = {
    record(row) {
      recorder.record(row);
      admission.recorded(row);
    },
  };
  const sso = new SsoService(database, accounts, env.ARBITER_SSO_ALLOW_HTTP);
  const routePermissions: RoutePermission[] = [];

  app.decorateRequest('principal', null);
  app.decorateRequest('pipelineEntered', false);
  let closing = false;
  // Hooks on every request take a callback rather than return a promise: one microtask hop less each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (closing) {
      reply.header('connection', 'close');
      done(new GatewayError('service_unavailable', { message: 'The gateway is shutting down; retry the request.' }));
      return;
    }
    done();
  });
  // Graceful shutdown: stop accepting, let in-flight requests finish, and cut whatever is still open after the grace
  // period (a client that keeps a finished stream's connection busy must not hold the process, and its records, hostage).
  app.addHook('preClose', async () => {
    closing = true;
    const timer = setTimeout(() => app.server.closeAllConnections(), env.ARBITER_SHUTDOWN_GRACE_MS);
    timer.unref();
    app.server.once('close', () => clearTimeout(timer));
  });
  app.addHook('onClose', async () => {
    await http.close();
    await recorder.stop();
    await authenticator.close();
    await Promise.all([limits.rateLimiter.close(), limits.budgetLedger.close(), limits.invalidationBus.close()]);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Arbiter AI gateway', version: '0.1.0', description: 'OpenAI- and Anthropic-compatible AI gateway' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(opsRoutes, { database, probes: options.probes ?? [] });

  await app.register(authRoutes, { database, accounts, authenticator, events, openSignup: env.ARBITER_OPEN_SIGNUP, rateLimiter: limits.rateLimiter, loginAttemptsPerIp: env.ARBITER_LOGIN_ATTEMPTS_PER_IP });
  await app.register(ssoLoginRoutes, { sso });

  // Everything below needs a key or an access token, and each route's permission (routes/authorize.ts).
  await app.register(async (authenticated) => {
    authenticated.addHook('onRequest', (request, _reply, done) => {
      // The master key is checked without a promise; keys and tokens may need a (cached) lookup.
      const master = authenticator.authenticateMaster(request.headers);
      if (master !== null) {
        request.principal = master;
        done();
        return;
      }
      authenticator.authenticate(request.headers).then((principal) => {
        request.principal = principal;
        done();
      }, done);
    });
    registerAuthorization(authenticated, routePermissions);
    registerAdmission(authenticated, admission, router);
    await authenticated.register(inferenceRoutes, {
      services: { catalog, router, recorder: pipelineRecorder, guardrails },
      catalog,
      authenticator,
      recordContent: config.usage.record_content,
    });
    await authenticated.register(anthropicMessagesRoutes, {
      services: { catalog, router, recorder: pipelineRecorder, guardrails },
      authenticator,
      recordContent: config.usage.record_content,
    });
    await authenticated.register(usageRoutes, { database, recorder });
    await authenticated.register(guardrailsRoutes, { guardrails, policies: tenantPolicies, events, pipeline: { catalog, router, recorder: pipelineRecorder, guardrails } });
    await authenticated.register(governanceRoutes, {
      services: { pipeline: { catalog, router, recorder: pipelineRecorder }, catalog, database, config: config.governance, templates: new PromptTemplates(config.governance) },
      recordContent: config.usage.record_content,
    });
    await authenticated.register(historyRoutes, { database });
    await authenticated.register(profileRoutes, { database });
    await authenticated.register(adminUserRoutes, { database, events, recorder });
    await authenticated.register(adminApiKeyRoutes, { database, events });
    await authenticated.register(adminTenantRoutes, { database, events });
    await authenticated.register(ssoAdminRoutes, { database, sso });
    await authenticated.register(adminBudgetRoutes, { database, budgetLedger: limits.budgetLedger, catalog, recorder });
  });

  return { app, recorder, catalog, routePermissions, limits, admission, guardrails };
}
