import { randomUUID } from 'node:crypto';
import { gatewayConfigSchema } from '@arbiter/shared';
import type { z } from 'zod';
import { buildApp, type App } from '../../src/app.js';
import { envSchema, type Env } from '../../src/config/env.js';
import type { Database } from '../../src/db/database.js';
import type { ReadinessProbe } from '../../src/routes/ops-routes.js';

export const MASTER_KEY = 'sk-admin-test-master-key';

export interface TestGatewayOptions {
  database: Database;
  /** Raw arbiter.yaml content as an object. */
  config?: z.input<typeof gatewayConfigSchema>;
  env?: Record<string, string>;
  /** Provider keys for config-declared providers (`api_key_env`). */
  secrets?: Record<string, string>;
  listen?: boolean;
  probes?: ReadinessProbe[];
}

export interface TestGateway extends App {
  env: Env;
  /** `http://127.0.0.1:PORT` when listening. */
  url: string;
  close(): Promise<void>;
}

/** Builds the real app (exactly what production builds) on the given database; listens on port 0 if asked. */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const env = envSchema.parse({
    ARBITER_MASTER_KEY: MASTER_KEY,
    ARBITER_LOG_LEVEL: 'silent',
    ARBITER_DATA_DIR: `/tmp/arbiter-test-${randomUUID()}`,
    PORT: '0',
    ARBITER_SHUTDOWN_GRACE_MS: '300',
    // Tests sign in many users from one address; the per-IP limit itself is tested with its own setting.
    ARBITER_LOGIN_ATTEMPTS_PER_IP: '100000',
    ...options.env,
  });
  const config = gatewayConfigSchema.parse({ usage: { flush_interval_ms: 50, max_batch: 500, record_content: true }, ...options.config });
  const secrets = options.secrets ?? {};
  const built = await buildApp({ env, config, database: options.database, secrets: (name) => secrets[name] ?? env[name as keyof Env]?.toString(), probes: options.probes });
  let url = '';
  if (options.listen !== false) url = await built.app.listen({ port: 0, host: '127.0.0.1' });
  else await built.app.ready();
  return { ...built, env, url, close: () => built.app.close() };
}

export const authorization = { authorization: `Bearer ${MASTER_KEY}` };

/** Unique provider ids keep one test's usage rows apart from another's on a shared real database. */
export function uniqueProviderId(prefix = 'emu'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
