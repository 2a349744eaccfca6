#!/usr/bin/env node
import { startGateway } from './server.js';

/** `npm start`: the gateway on its embedded defaults, closed cleanly on SIGTERM/SIGINT. */
const gateway = await startGateway().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

gateway.app.log.info(
  { url: gateway.url, database: gateway.database.kind, masterKey: gateway.env.ARBITER_MASTER_KEY === undefined ? 'unset' : 'set' },
  'Arbiter is listening',
);
if (gateway.env.ARBITER_MASTER_KEY === undefined) {
  gateway.app.log.warn('ARBITER_MASTER_KEY is not set: inference routes answer 401 until it is.');
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    gateway.app.log.info({ signal, pendingUsage: gateway.recorder.pending }, 'shutting down');
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
