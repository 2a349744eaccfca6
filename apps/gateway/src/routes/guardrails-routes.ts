import { GatewayError, guardrailPolicySpecSchema } from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GuardrailService } from '../guardrails/guardrail-service.js';
import { guardrailDirectionSchema, guardrailPolicySchema } from '../guardrails/policy.js';
import type { TenantPolicyStore } from '../guardrails/tenant-policy-store.js';
import type { IdentityEvents } from '../identity/identity-events.js';
import type { PipelineServices } from '../pipeline/chat-completion.js';
import { tenantScopeOf } from './authorize.js';

const guardrailTestRequestSchema = z.object({
  text: z.string().max(1_000_000),
  direction: guardrailDirectionSchema.default('input'),
  /** Only these guardrails; they run even where the policy's action is `allow`. */
  guardrails: z.array(z.string()).optional(),
  /** An inline policy; default the BFSI template. */
  policy: guardrailPolicySchema.optional(),
});

/**
 * Seed 003's guardrail admin endpoints (master key until roles exist). The detectors are loaded on first use: their
 * tables and NLP model cost start-up memory that requests without guardrails should not pay.
 * The pipeline applies policies through GuardrailService (arbiter.yaml's default, per-tenant overrides); not here yet:
 * PUT /api/v1/admin/guardrails/policy, which will store a tenant's policy and call `setTenantPolicy`.
 */
export interface GuardrailRouteOptions {
  guardrails: GuardrailService;
  policies: TenantPolicyStore;
  events: IdentityEvents;
  /** How the test endpoint's LLM self-check reaches its model (metered like any call). */
  pipeline: PipelineServices;
}

export const guardrailsRoutes: FastifyPluginAsyncZod<GuardrailRouteOptions> = async (app, { guardrails, policies, events, pipeline }) => {
  app.get(
    '/api/v1/admin/guardrails/policy',
    { schema: { querystring: z.object({ tenant_id: z.string().optional() }), tags: ['guardrails'], summary: 'The guardrail policy that applies to the tenant (its own, or the gateway default)' } },
    async (request) => {
      const tenantId = tenantScopeOf(request);
      const own = await policies.stored(tenantId);
      return { object: 'guardrail_policy', tenant_id: tenantId, source: own === null ? 'default' : 'tenant', policy: own ?? guardrails.defaultSpec };
    },
  );

  app.put(
    '/api/v1/admin/guardrails/policy',
    {
      schema: {
        querystring: z.object({ tenant_id: z.string().optional() }),
        body: z.strictObject({ policy: guardrailPolicySpecSchema.nullable() }),
        tags: ['guardrails'],
        summary: "Set the tenant's guardrail policy: a template (bfsi, permissive, strict, none) or an inline policy; null returns to the gateway default",
      },
    },
    async (request) => {
      const tenantId = tenantScopeOf(request);
      if (!(await policies.save(tenantId, request.body.policy))) throw new GatewayError('resource_not_found', { message: 'No such tenant.' });
      await events.changed({ kind: 'policy', id: tenantId });
      return { object: 'guardrail_policy', tenant_id: tenantId, source: request.body.policy === null ? 'default' : 'tenant', policy: request.body.policy ?? guardrails.defaultSpec };
    },
  );

  const loadTemplates = () => import('../guardrails/policy-templates.js');

  app.get('/api/v1/admin/guardrails', { schema: { tags: ['guardrails'], summary: 'The built-in guardrails' } }, async () => {
    const [{ builtinDetectors }, selfCheck] = await Promise.all([import('../guardrails/registry.js'), import('../guardrails/self-check/self-check-params.js')]);
    const guardrails = [
      ...Object.values(builtinDetectors).map((detector) => ({ id: detector.id, description: detector.description, paramsSchema: detector.paramsSchema })),
      { id: 'llm_self_check', description: selfCheck.selfCheckDescription, paramsSchema: selfCheck.selfCheckParamsSchema },
    ];
    return {
      object: 'list',
      data: guardrails.map(({ id, description, paramsSchema }) => ({
        id,
        description,
        parameters: z.toJSONSchema(paramsSchema, { io: 'input', unrepresentable: 'any' }),
      })),
    };
  });

  app.get('/api/v1/admin/guardrails/policies', { schema: { tags: ['guardrails'], summary: 'Policy templates' } }, async () => {
    const { policyTemplates } = await loadTemplates();
    return { object: 'list', data: Object.entries(policyTemplates).map(([id, policy]) => ({ id, ...policy })) };
  });

  app.get('/api/v1/admin/guardrails/bfsi', { schema: { tags: ['guardrails'], summary: 'The BFSI policy template' } }, async () => {
    const { bfsiPolicy } = await loadTemplates();
    return { id: 'bfsi', ...bfsiPolicy };
  });

  app.post(
    '/api/v1/admin/guardrails/test',
    { schema: { body: guardrailTestRequestSchema, tags: ['guardrails'], summary: 'Run guardrails on a text (never echoes matched values)' } },
    async (request) => {
      const [{ runGuardrailTest }, { bfsiPolicy }] = await Promise.all([import('../pipeline/guard-admin-test.js'), loadTemplates()]);
      const body = request.body;
      // llm_self_check calls its model through the pipeline, metered to the caller.
      const caller = { requestId: request.id, principal: request.principal };
      return runGuardrailTest({ ...body, policy: body.policy ?? bfsiPolicy }, caller, pipeline);
    },
  );
};
