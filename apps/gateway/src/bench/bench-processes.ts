import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Target } from './load-generator.js';
import { childPids } from './process-stats.js';

/**
 * The processes of a benchmark run: the fake upstream and built gateways, each gateway pinned alone to CPU 1 (when
 * `taskset` exists) while the load generator, the upstream and the database hosts share CPU 0.
 */

export const MASTER_KEY = 'sk-bench-master';

/**
 * The Node flags of `npm start` (package.json): one gateway process per core, so the garbage collector works on the
 * main thread instead of helper threads that would only take turns with it on the same core (measured: added p99 at
 * 1,000 req/s 18.8 → 3.1 ms, max throughput 6,248 → 6,581 req/s, in runs a few minutes apart).
 */
export const gatewayNodeFlags = ['--single-threaded-gc'];
export const root = fileURLToPath(new URL('../../../../', import.meta.url));
export const canPin = existsSync('/usr/bin/taskset') && cpus().length >= 2;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startUpstream(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(new URL('./upstream-process.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve) => child.once('message', (message: { url: string }) => resolve(message.url)));
  return { child, url };
}

/** Pins every thread of a process to one CPU. */
export function pin(pid: number | undefined, cpu: string): void {
  if (pid === undefined || !canPin) return;
  execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
}

/**
 * Raises this benchmark's priority (nice −10), which the upstream and gateway processes it starts inherit: on a
 * shared machine, other work must not take the measured core; the embedded database host is set to the lowest
 * priority instead (see startGatewayProcess). Without the privilege to do so the run goes on at normal priority.
 */
export function raisePriority(): boolean {
  try {
    setPriority(process.pid, -10);
    return true;
  } catch {
    return false;
  }
}

export interface GatewayProcess {
  child: ChildProcess;
  origin: string;
  pinned: boolean;
  /** Where the gateway writes its event-loop delay statistics when it exits. */
  loopStatsFile: string;
}

/**
 * Starts the built gateway with its own data directory and arbiter.yaml under `.bench/<name>` (`.bench/` itself for
 * the unnamed one), and waits until it is ready.
 */
export async function startGatewayProcess(upstreamUrl: string, options: { name?: string; configYaml: string; env?: Record<string, string> }): Promise<GatewayProcess> {
  const directory = options.name === undefined ? `${root}.bench` : `${root}.bench/${options.name}`;
  const dataDir = `${directory}/data`;
  const loopStatsFile = `${directory}/event-loop.json`;
  const configFile = `${directory}/arbiter.yaml`;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(configFile, options.configYaml);
  const port = await freePort();
  const mainPath = fileURLToPath(new URL('../main.js', import.meta.url));
  const env = {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    ARBITER_MASTER_KEY: MASTER_KEY,
    ARBITER_DATA_DIR: dataDir,
    ARBITER_LOG_LEVEL: 'warn',
    ARBITER_EVENT_LOOP_STATS: loopStatsFile,
    ARBITER_CONFIG: configFile,
    OPENAI_API_KEY: 'sk-emulator',
    OPENAI_BASE_URL: upstreamUrl,
    ...(process.env.DATABASE_URL === undefined ? {} : { DATABASE_URL: process.env.DATABASE_URL }),
    // For profiling the gateway under the benchmark's load (e.g. `--cpu-prof` is not allowed there, `--import` is).
    ...(process.env.ARBITER_BENCH_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.ARBITER_BENCH_NODE_OPTIONS }),
    ...options.env,
  };
  const args = [...gatewayNodeFlags, mainPath];
  const child = canPin ? spawn('taskset', ['-c', '1', process.execPath, ...args], { env, stdio: 'inherit' }) : spawn(process.execPath, args, { env, stdio: 'inherit' });
  const origin = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      const response = await fetch(`${origin}/ready`);
      if (response.ok) {
        // The embedded database host is another process: it works on CPU 0, with the load generator, at the lowest
        // priority, so that its batch inserts (about 0.1 ms of CPU per usage record) never delay the load generator
        // or the fake upstream: on a real deployment the database has cores of its own.
        for (const pid of childPids(child.pid ?? 0)) {
          pin(pid, '0');
          setPriority(pid, 19);
        }
        return { child, origin, pinned: canPin, loopStatsFile };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway did not become ready');
}

export async function stopGatewayProcess(gateway: GatewayProcess): Promise<void> {
  gateway.child.kill('SIGTERM');
  await new Promise((resolve) => gateway.child.once('exit', resolve));
}

/** The same chat request sent straight to the upstream and through a gateway. */
export function targets(upstreamUrl: string, gatewayOrigin: string, body: string): { direct: Target; gateway: Target } {
  const upstream = new URL(upstreamUrl);
  return {
    direct: {
      name: 'direct',
      origin: upstream.origin,
      path: `${upstream.pathname.replace(/\/$/, '')}/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-emulator' },
      body,
    },
    gateway: {
      name: 'gateway',
      origin: gatewayOrigin,
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER_KEY}` },
      body,
    },
  };
}

export function gatewayPid(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('the gateway process has no pid');
  return child.pid;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Replaces the block between `<!-- <marker>:begin -->` and `<!-- <marker>:end -->` in BENCHMARKS.md (appends it if absent). */
export function writeBenchmarkBlock(marker: string, lines: readonly string[]): void {
  const file = `${root}BENCHMARKS.md`;
  const begin = `<!-- ${marker}:begin -->`;
  const end = `<!-- ${marker}:end -->`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
  const updated = current.includes(begin)
    ? current.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${lines.join('\n')}\n${end}`)
    : `${current}\n${begin}\n${lines.join('\n')}\n${end}\n`;
  writeFileSync(file, updated);
}
