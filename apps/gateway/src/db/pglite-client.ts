import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HostRequest, HostResponse } from './pglite-protocol.js';

export class DatabaseQueryError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'DatabaseQueryError';
  }
}

interface Pending {
  resolve: (rows: unknown[]) => void;
  reject: (error: Error) => void;
}

/** Starts the PGlite host process and forwards queries to it; the gateway's event loop only waits on IPC. */
export class PGliteClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: HostResponse) => {
      if (message.type !== 'result' && message.type !== 'error') return;
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      if (message.type === 'result') waiter.resolve(message.rows);
      else waiter.reject(new DatabaseQueryError(message.message, message.code));
    });
    child.on('exit', (code) => {
      this.exited = true;
      const error = new DatabaseQueryError(`the embedded database process exited (code ${code ?? 'null'})`, null);
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  static async start(dataDir: string, migrationsFolder: string): Promise<PGliteClient> {
    const hostUrl = new URL('./pglite-host.js', import.meta.url);
    // Under vitest the sources are TypeScript; tsx runs the host from source there. Built code forks plain JS.
    const fromSource = import.meta.url.endsWith('.ts');
    const hostPath = fileURLToPath(fromSource ? new URL('./pglite-host.ts', import.meta.url) : hostUrl);
    const child = fork(hostPath, [dataDir, migrationsFolder], {
      serialization: 'advanced',
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: HostResponse) => {
        if (message.type === 'ready') {
          cleanup();
          resolve();
        } else if (message.type === 'startup-error') {
          cleanup();
          reject(new Error(`the embedded database failed to start: ${message.message}`));
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`the embedded database process exited during start-up (code ${code ?? 'null'})`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
    return new PGliteClient(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  query(sql: string, params: unknown[], rowMode: 'array' | 'object'): Promise<unknown[]> {
    if (this.exited) return Promise.reject(new DatabaseQueryError('the embedded database process is not running', null));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ id, type: 'query', sql, params, rowMode });
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ id: 0, type: 'close' });
    await exited;
  }

  private send(message: HostRequest): void {
    this.child.send(message);
  }
}
