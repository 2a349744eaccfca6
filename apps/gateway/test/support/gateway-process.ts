import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A gateway as its own process (`src/main.ts` through tsx), as production runs it: for SIGTERM and multi-replica tests. */
export interface GatewayProcess {
  origin: string;
  child: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Starts the gateway with exactly `env` (plus PATH and a free PORT) and waits until /ready answers (or `readyChecks` × 100 ms pass). */
export async function spawnGatewayProcess(env: Record<string, string | undefined>, readyChecks = 300): Promise<GatewayProcess> {
  const port = await freePort();
  const mainPath = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath], {
    // Unset variables stay unset (a DATABASE_URL of "undefined" would be a bad address, not the embedded database).
    env: Object.fromEntries(Object.entries({ PATH: process.env.PATH, PORT: String(port), ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const origin = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let attempt = 0; attempt < readyChecks && !ready; attempt++) {
    ready = await fetch(`${origin}/ready`).then((response) => response.ok, () => false);
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`the gateway on ${origin} did not become ready`);
  }
  return { origin, child, exited };
}
