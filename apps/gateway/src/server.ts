import { Redis } from 'ioredis';
import { buildApp, type App } from './app.js';
import { createSecretLookup, readEnv, type Env } from './config/env.js';
import { loadGatewayConfig } from './config/load-config.js';
import { openDatabase, type Database } from './db/database.js';
import type { ReadinessProbe } from './routes/ops-routes.js';

export interface RunningGateway extends App {
  env: Env;
  database: Database;
  url: string;
  /** Stops accepting requests, lets in-flight ones finish, flushes usage records, closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Env;
  /** Extra variables for config-declared provider keys (tests and the demo pass emulator keys here). */
  secrets?: NodeJS.ProcessEnv;
}

/** Opens the database (embedded or PostgreSQL), builds the app and listens. */
export async function startGateway(options: StartOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? readEnv();
  const config = loadGatewayConfig(env.ARBITER_CONFIG);
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.ARBITER_DATA_DIR });
  const probes: ReadinessProbe[] = [];
  let redis: Redis | null = null;
  if (env.REDIS_URL !== undefined) {
    // Auto-pipelining: the limit scripts of the requests of one event-loop turn go out in one write (one system
    // call instead of one per command under load).
    const client = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true });
    client.on('error', () => undefined); // reported by the readiness probe, never a crash
    await client.connect().catch(() => undefined);
    redis = client;
    probes.push({ name: 'Redis', check: async () => void (await client.ping()) });
  }
  const built = await buildApp({ env, config, database, secrets: createSecretLookup(options.secrets), probes, redis, redisPrefix: env.ARBITER_REDIS_PREFIX });
  const address = await built.app.listen({ port: env.PORT, host: env.HOST });
  let closing: Promise<void> | null = null;
  return {
    ...built,
    env,
    database,
    url: address,
    close() {
      closing ??= (async () => {
        await built.app.close();
        redis?.disconnect();
        await database.close();
      })();
      return closing;
    },
  };
}
