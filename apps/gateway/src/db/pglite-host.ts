/**
 * The embedded PostgreSQL (PGlite + pgvector) runs in this child process, never on the gateway's event loop:
 * PGlite executes queries synchronously in WebAssembly on the thread that calls it, and one instance holds
 * hundreds of MB, which the gateway's own RSS should not carry. Migrations are applied here before "ready".
 */
import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { HostRequest, HostResponse } from './pglite-protocol.js';

const [dataDir, migrationsFolder] = process.argv.slice(2);

function send(message: HostResponse): void {
  process.send?.(message);
}

// Drizzle maps dates and intervals itself: hand them over as the text PostgreSQL sends (as drizzle's PGlite driver does).
const rawText = (value: string): string => value;
const parsers = {
  [types.TIMESTAMP]: rawText,
  [types.TIMESTAMPTZ]: rawText,
  [types.INTERVAL]: rawText,
  [types.DATE]: rawText,
  1231: rawText,
  1115: rawText,
  1185: rawText,
  1187: rawText,
};

async function start(): Promise<PGlite> {
  if (dataDir === undefined || migrationsFolder === undefined) throw new Error('usage: pglite-host <dataDir> <migrationsFolder>');
  if (dataDir !== 'memory://') mkdirSync(dataDir, { recursive: true });
  const database = await PGlite.create(dataDir, { extensions: { vector } });
  await migrate(drizzle(database), { migrationsFolder });
  return database;
}

start().then(
  (database) => {
    process.on('message', (message: HostRequest) => {
      if (message.type === 'close') {
        database.close().finally(() => process.exit(0));
        return;
      }
      database.query(message.sql, message.params, { rowMode: message.rowMode, parsers }).then(
        (result) => send({ id: message.id, type: 'result', rows: result.rows }),
        (error: unknown) => {
          const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : null;
          send({ id: message.id, type: 'error', message: error instanceof Error ? error.message : String(error), code });
        },
      );
    });
    // The gateway is gone (crashed or killed): close cleanly so the data directory stays consistent.
    process.on('disconnect', () => {
      database.close().finally(() => process.exit(0));
    });
    send({ type: 'ready' });
  },
  (error: unknown) => {
    send({ type: 'startup-error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
    process.disconnect?.();
  },
);
