/**
 * `npm run bench -- --limits`: what a virtual API key with rate limits and a budget costs on the hot path, next to the
 * master key (no limits) on the same gateway: key lookup (cached), RPM/TPM windows, budget reservation, and the settle
 * after each response. Runs the embedded default (limits in memory), and again with Redis when REDIS_URL is set (one
 * Lua round trip per admission and one per settle). Results go to the `bench-limits` block of BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { gatewayPid, MASTER_KEY, pin, raisePriority, round, startGatewayProcess, startUpstream, stopGatewayProcess, targets, writeBenchmarkBlock } from './bench-processes.js';
import { LoadGenerator, percentile, type Target } from './load-generator.js';
import { cpuMicros } from './process-stats.js';

const body = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 400, messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }] });

interface ModeResult {
  mode: string;
  rows: Array<{ rate: number; direct_p50: number; master_added_p50: number; key_added_p50: number; master_added_p99: number; key_added_p99: number }>;
  masterRps: number;
  keyRps: number;
  masterCpuUs: number;
  keyCpuUs: number;
  errors: number;
}

/** A tenant with a monthly budget, and a key of its own with RPM, TPM and a budget far above what the run uses. */
async function createLimitedKey(origin: string): Promise<string> {
  const headers = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' };
  const tenant = await fetch(`${origin}/api/v1/admin/tenants`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: `bench ${randomUUID().slice(0, 6)}`, limits: { rpm: 10_000_000, tpm: 2_000_000_000, monthly_budget_usd: '1000000' } }),
  });
  const { id } = (await tenant.json()) as { id: string };
  const key = await fetch(`${origin}/api/v1/admin/api-keys?tenant_id=${id}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'bench', user_id: null, limits: { rpm: 10_000_000, tpm: 2_000_000_000, monthly_budget_usd: '1000000', daily_budget_usd: '100000' } }),
  });
  if (key.status !== 201) throw new Error(`creating the bench key failed: ${key.status} ${await key.text()}`);
  return ((await key.json()) as { key: string }).key;
}

async function measureMode(mode: string, redisUrl: string | undefined, quick: boolean): Promise<ModeResult> {
  const upstream = await startUpstream();
  const gateway = await startGatewayProcess(upstream.url, {
    name: `limits-${mode}`,
    configYaml: 'usage:\n  record_content: false\n',
    env: redisUrl === undefined ? {} : { REDIS_URL: redisUrl, ARBITER_REDIS_PREFIX: `arbiter-bench-${randomUUID().slice(0, 8)}:` },
  });
  const pid = gatewayPid(gateway.child);
  const key = await createLimitedKey(gateway.origin);
  const master = targets(upstream.url, gateway.origin, body);
  const keyed: Target = { ...master.gateway, name: 'key', headers: { ...master.gateway.headers, authorization: `Bearer ${key}` } };
  const load = new LoadGenerator();
  const sliceMs = quick ? 1000 : 2000;
  const slices = quick ? 1 : 3;
  await load.closedLoop(master.gateway, 16, 2000);
  await load.closedLoop(keyed, 16, 2000);
  const rows: ModeResult['rows'] = [];
  let errors = 0;
  for (const rate of [500, 1000]) {
    const direct: number[] = [];
    const viaMaster: number[] = [];
    const viaKey: number[] = [];
    for (let slice = 0; slice < slices; slice++) {
      for (const [target, samples] of [[master.direct, direct], [master.gateway, viaMaster], [keyed, viaKey]] as const) {
        const result = await load.openLoop(target, rate, sliceMs);
        samples.push(...result.samples.map((sample) => sample.total));
        errors += result.errors;
      }
    }
    rows.push({
      rate,
      direct_p50: round(percentile(direct, 0.5), 3),
      master_added_p50: round(percentile(viaMaster, 0.5) - percentile(direct, 0.5), 3),
      key_added_p50: round(percentile(viaKey, 0.5) - percentile(direct, 0.5), 3),
      master_added_p99: round(percentile(viaMaster, 0.99) - percentile(direct, 0.99), 3),
      key_added_p99: round(percentile(viaKey, 0.99) - percentile(direct, 0.99), 3),
    });
  }
  const throughput = async (target: Target) => {
    const before = cpuMicros(pid);
    const run = await load.closedLoop(target, 64, quick ? 2000 : 4000);
    errors += run.errors;
    return { rps: Math.round(run.completed / run.seconds), cpuUs: Math.round((cpuMicros(pid) - before) / Math.max(1, run.completed)) };
  };
  const masterMax = await throughput(master.gateway);
  const keyMax = await throughput(keyed);
  await load.close();
  await stopGatewayProcess(gateway);
  upstream.child.disconnect();
  const result = { mode, rows, masterRps: masterMax.rps, keyRps: keyMax.rps, masterCpuUs: masterMax.cpuUs, keyCpuUs: keyMax.cpuUs, errors };
  console.log(mode, result);
  return result;
}

export async function runLimitsBenchmark(options: { quick: boolean }): Promise<void> {
  pin(process.pid, '0');
  raisePriority();
  const redisUrl = process.env.REDIS_URL;
  const results = [await measureMode('memory', undefined, options.quick)];
  if (redisUrl !== undefined) results.push(await measureMode('redis', redisUrl, options.quick));
  else console.warn('[bench] REDIS_URL is not set: only the in-memory mode was measured.');
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const lines = [
    `Measured ${new Date().toISOString()} on ${machine}; gateway pinned to one core. Master key (no limits) vs a virtual key with RPM, TPM and monthly + daily budgets on the key and its tenant (4 windows, 3 budget scopes reserved and settled per request).`,
    '',
    '| limits store | rate (req/s) | added p50, master key | added p50, limited key | added p99, master key | added p99, limited key |',
    '|---|---|---|---|---|---|',
    ...results.flatMap((result) =>
      result.rows.map((row) => `| ${result.mode} | ${row.rate} | ${row.master_added_p50} ms | **${row.key_added_p50} ms** | ${row.master_added_p99} ms | **${row.key_added_p99} ms** |`),
    ),
    '',
    ...results.map(
      (result) =>
        `- ${result.mode}: max throughput (64 connections) master key ${result.masterRps} req/s, limited key **${result.keyRps} req/s**; gateway CPU per request ${result.masterCpuUs} µs vs **${result.keyCpuUs} µs**; ${result.errors} errors.`,
    ),
  ];
  writeBenchmarkBlock('bench-limits', lines);
  console.log(`\n${lines.join('\n')}\n\nWritten to BENCHMARKS.md`);
}
