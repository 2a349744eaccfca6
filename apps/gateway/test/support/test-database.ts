import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { readEnv } from '../../src/config/env.js';

/**
 * The database under test: the real PostgreSQL when DATABASE_URL is set (CI's second run), otherwise an in-memory
 * embedded PGlite. Never a mock. Tests isolate their rows by unique provider names or trace ids, not by truncation,
 * so files can share a real database.
 */
export async function openTestDatabase(): Promise<Database> {
  const env = readEnv();
  if (env.DATABASE_URL === undefined && process.env.CI === 'true') {
    console.warn('[test-database] DATABASE_URL is not set: running on the embedded PGlite (CI covers PostgreSQL in its second run).');
  }
  return openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: 'memory://' });
}

export function describeDatabase(): string {
  return readEnv().DATABASE_URL === undefined ? 'embedded PGlite' : 'PostgreSQL (DATABASE_URL)';
}

/**
 * A database of the test's own, for tests that break it on purpose (rename a table to make writes fail): a fresh
 * in-memory PGlite, or a freshly created PostgreSQL database (dropped on close) when DATABASE_URL is set.
 */
export async function openPrivateTestDatabase(): Promise<Database> {
  const env = readEnv();
  if (env.DATABASE_URL === undefined) return openDatabase({ dataDir: 'memory://' });
  const name = `arbiter_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: 'memory://' });
  return {
    ...database,
    async close() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: env.DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
