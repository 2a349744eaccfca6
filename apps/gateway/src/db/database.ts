import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { bigint, pgSchema, serial, text, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleProxy } from 'drizzle-orm/pg-proxy';
import pg from 'pg';
import { PGliteClient } from './pglite-client.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Drizzle = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Drizzle;
  /** The PGlite host's pid, so the benchmark can measure the gateway's memory without the embedded database. */
  readonly embeddedPid: number | null;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /** True when every migration shipped with this build has been applied. */
  migrationsApplied(): Promise<boolean>;
  close(): Promise<void>;
}

/** The table drizzle's migrator keeps; read (never written) by the readiness check. */
const appliedMigrations = pgSchema('drizzle').table('__drizzle_migrations', {
  id: serial('id').primaryKey(),
  hash: text('hash').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }),
});

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface DatabaseOptions {
  /** A PostgreSQL URL; without it the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory (`memory://` for an in-memory database). */
  dataDir: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl === undefined ? openEmbedded(options.dataDir) : openPostgres(options.databaseUrl);
}

async function openEmbedded(dataDir: string): Promise<Database> {
  const directory = dataDir === 'memory://' ? dataDir : resolve(dataDir, 'pgdata');
  const client = await PGliteClient.start(directory, migrationsFolder);
  const db = drizzleProxy(
    async (query, params, method) => ({ rows: await client.query(query, params, method === 'all' ? 'array' : 'object') }),
    { schema },
  ) as unknown as Drizzle;
  return createDatabase('pglite', db, client.pid ?? null, () => client.close());
}

async function openPostgres(databaseUrl: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // An idle client that loses its connection must not crash the process; the next query reports the failure.
  pool.on('error', () => undefined);
  const db = drizzlePostgres(pool, { schema });
  await migratePostgres(db, { migrationsFolder });
  return createDatabase('postgres', db as unknown as Drizzle, null, () => pool.end());
}

function createDatabase(kind: Database['kind'], db: Drizzle, embeddedPid: number | null, close: () => Promise<void>): Database {
  const expected = countShippedMigrations();
  return {
    kind,
    db,
    embeddedPid,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async migrationsApplied() {
      const [row] = await db.select({ applied: count() }).from(appliedMigrations);
      return (row?.applied ?? 0) >= expected;
    },
    close,
  };
}

function countShippedMigrations(): number {
  const journal = JSON.parse(readFileSync(resolve(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}
