import { GatewayError } from '@arbiter/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/database.js';

const healthSchema = z.object({ status: z.literal('ok') });
const readySchema = z.object({
  status: z.literal('ready'),
  database: z.object({ kind: z.enum(['pglite', 'postgres']), migrations: z.literal('applied') }),
});

export interface ReadinessProbe {
  name: string;
  check: () => Promise<void>;
}

/** Liveness and readiness, unauthenticated (load balancers call them). */
export const opsRoutes: FastifyPluginAsyncZod<{ database: Database; probes: ReadinessProbe[] }> = async (app, options) => {
  app.get('/health', { schema: { response: { 200: healthSchema }, tags: ['ops'], summary: 'Liveness' } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/ready',
    { schema: { response: { 200: readySchema }, tags: ['ops'], summary: 'Readiness: database reachable, migrations applied' } },
    async () => {
      try {
        await options.database.ping();
      } catch (error) {
        throw new GatewayError('service_unavailable', { message: 'The database is not reachable.', cause: error });
      }
      if (!(await options.database.migrationsApplied())) {
        throw new GatewayError('service_unavailable', { message: 'Database migrations are not applied.' });
      }
      for (const probe of options.probes) {
        try {
          await probe.check();
        } catch (error) {
          throw new GatewayError('service_unavailable', { message: `${probe.name} is not reachable.`, cause: error });
        }
      }
      return { status: 'ready' as const, database: { kind: options.database.kind, migrations: 'applied' as const } };
    },
  );
};
