/**
 * `node apps/gateway/dist/bench/governance-batch-bench.js [--iterations N] [--slowest-ms MS] [--update]`
 *
 * How much a 10-model governance batch costs over its slowest model. The provider emulators run in this process;
 * the built gateway runs as its own process (embedded PGlite, or PostgreSQL with DATABASE_URL), as in production.
 * The Bedrock emulator answers after a fixed delay, so its three models are the slowest; every other model answers
 * at once. For each batch: overhead = client wall time − the slowest model's pipeline latency (its GovernanceLog
 * `latency_ms`). The same is measured for that model alone (`/analyze`), which is the floor any request pays: the
 * HTTP round trip, the conversation and the history writes. Judging is off: a judge adds its own model call.
 * With --update the results replace the generated block in BENCHMARKS.md's "Governance batch" section.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzeBatchResponseSchema, governanceLogSchema, type ModelSpec } from '@arbiter/shared';
import { startAnthropicEmulator } from '../emulators/anthropic-emulator.js';
import { defaultAwsAccessKeyId, defaultAwsSecretAccessKey, startBedrockEmulator } from '../emulators/bedrock-emulator.js';
import type { EmulatorHandle } from '../emulators/emulator-server.js';
import { startGoogleEmulator } from '../emulators/google-emulator.js';
import { startOpenAIEmulator } from '../emulators/openai-emulator.js';
import { percentile } from './load-generator.js';

const MASTER_KEY = 'sk-bench-governance';
const { values: flags } = parseArgs({
  options: { iterations: { type: 'string', default: '40' }, 'slowest-ms': { type: 'string', default: '250' }, update: { type: 'boolean', default: false } },
});
const iterations = Number(flags.iterations);
const slowestMs = Number(flags['slowest-ms']);

const models: ModelSpec[] = [
  { host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-sonnet-20240229-v1:0' },
  { host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-haiku-20240307-v1:0' },
  { host_platform: 'aws_bedrock', model_id: 'meta.llama3-70b-instruct-v1:0' },
  { host_platform: 'openai', model_id: 'gpt-4o' },
  { host_platform: 'openai', model_id: 'gpt-4o-mini' },
  { host_platform: 'openai', model_id: 'gpt-4.1' },
  { host_platform: 'openai', model_id: 'o4-mini' },
  { host_platform: 'google', model_id: 'gemini-2.5-pro' },
  { host_platform: 'google', model_id: 'gemini-2.5-flash' },
  { host_platform: 'anthropic', model_id: 'claude-sonnet-4-5' },
];
const slowModel = models[0] as ModelSpec;
const query = 'How do I secure my S3 buckets?';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Emulators {
  openai: EmulatorHandle;
  anthropic: EmulatorHandle;
  bedrock: EmulatorHandle;
  google: EmulatorHandle;
}

async function startGateway(emulators: Emulators, dataDir: string): Promise<{ child: ChildProcess; origin: string }> {
  const configFile = join(dataDir, 'arbiter.yaml');
  // One attempt: a benchmark of concurrency, not of retries.
  writeFileSync(configFile, 'routing:\n  max_attempts: 1\n');
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    ARBITER_MASTER_KEY: MASTER_KEY,
    ARBITER_DATA_DIR: dataDir,
    ARBITER_LOG_LEVEL: 'warn',
    ARBITER_CONFIG: configFile,
    OPENAI_API_KEY: 'sk-emulator',
    OPENAI_BASE_URL: emulators.openai.url,
    ANTHROPIC_API_KEY: 'sk-emulator',
    ANTHROPIC_BASE_URL: emulators.anthropic.url,
    AWS_ACCESS_KEY_ID: defaultAwsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: defaultAwsSecretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulators.bedrock.url,
    GOOGLE_API_KEY: 'gemini-bench-key',
    GOOGLE_GEMINI_BASE_URL: emulators.google.url,
    ...(process.env.DATABASE_URL === undefined ? {} : { DATABASE_URL: process.env.DATABASE_URL }),
  };
  const child = spawn(process.execPath, [fileURLToPath(new URL('../main.js', import.meta.url))], { env, stdio: 'inherit' });
  const origin = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    const ready = await fetch(`${origin}/ready`).then(
      (response) => response.ok,
      () => false, // not listening yet
    );
    if (ready) return { child, origin };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway did not become ready');
}

async function post(origin: string, path: string, body: object): Promise<{ wallMs: number; body: unknown }> {
  const started = performance.now();
  const response = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed: unknown = await response.json();
  const wallMs = performance.now() - started;
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(parsed)}`);
  return { wallMs, body: parsed };
}

interface Sample {
  wallMs: number;
  slowestMs: number;
  sumMs: number;
}

async function measureBatch(origin: string): Promise<Sample> {
  const { wallMs, body } = await post(origin, '/api/v1/governance/analyze/batch', { query, governance_context: 'aws', models, evaluate: false });
  const batch = analyzeBatchResponseSchema.parse(body);
  const failed = batch.results.filter((log) => !log.success);
  if (failed.length > 0) throw new Error(`models failed: ${failed.map((log) => `${log.model_id}: ${log.error_message ?? ''}`).join('; ')}`);
  const latencies = batch.results.map((log) => log.usage.latency_ms);
  return { wallMs, slowestMs: Math.max(...latencies), sumMs: latencies.reduce((sum, value) => sum + value, 0) };
}

async function measureSingle(origin: string): Promise<Sample> {
  const { wallMs, body } = await post(origin, '/api/v1/governance/analyze', { query, governance_context: 'aws', model: slowModel, evaluate: false });
  const log = governanceLogSchema.parse(body);
  return { wallMs, slowestMs: log.usage.latency_ms, sumMs: log.usage.latency_ms };
}

function describe(samples: Sample[]) {
  const overhead = samples.map((sample) => sample.wallMs - sample.slowestMs);
  const walls = samples.map((sample) => sample.wallMs);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    p50: round(percentile(overhead, 0.5)),
    p95: round(percentile(overhead, 0.95)),
    wallP50: round(percentile(walls, 0.5)),
    wallP95: round(percentile(walls, 0.95)),
    slowestP50: round(percentile(samples.map((sample) => sample.slowestMs), 0.5)),
    sumP50: round(percentile(samples.map((sample) => sample.sumMs), 0.5)),
  };
}

async function main(): Promise<void> {
  const emulators: Emulators = {
    openai: await startOpenAIEmulator({ apiKey: 'sk-emulator', fast: true }),
    anthropic: await startAnthropicEmulator({ apiKey: 'sk-emulator' }),
    bedrock: await startBedrockEmulator(),
    google: await startGoogleEmulator({ apiKey: 'gemini-bench-key' }),
  };
  emulators.bedrock.setFault({ kind: 'latency', ms: slowestMs });
  const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-governance-bench-'));
  const gateway = await startGateway(emulators, dataDir);
  try {
    // Warm-up: JIT, connection pools, the database's first writes.
    for (let index = 0; index < 5; index++) {
      await measureBatch(gateway.origin);
      await measureSingle(gateway.origin);
    }
    const batch: Sample[] = [];
    const single: Sample[] = [];
    // Interleaved, so that both see the same machine state.
    for (let index = 0; index < iterations; index++) {
      batch.push(await measureBatch(gateway.origin));
      single.push(await measureSingle(gateway.origin));
    }
    report(describe(batch), describe(single));
  } finally {
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => gateway.child.once('exit', resolve));
    await Promise.all(Object.values(emulators).map((emulator) => emulator.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(batch: ReturnType<typeof describe>, single: ReturnType<typeof describe>): void {
  const database = process.env.DATABASE_URL === undefined ? 'embedded PGlite (child process)' : 'PostgreSQL (DATABASE_URL)';
  const block = [
    `Measured ${new Date().toISOString()} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; database: ${database}; ${iterations} batches of ${models.length} models (3 Bedrock models answering after ${slowestMs} ms, 7 others at once), judging off.`,
    '',
    '| request | wall p50 | wall p95 | slowest model p50 | sum of model latencies p50 | overhead p50 | overhead p95 |',
    '|---|---|---|---|---|---|---|',
    `| batch of ${models.length} models | ${batch.wallP50} ms | ${batch.wallP95} ms | ${batch.slowestP50} ms | ${batch.sumP50} ms | **${batch.p50} ms** | **${batch.p95} ms** |`,
    `| the slowest model alone | ${single.wallP50} ms | ${single.wallP95} ms | ${single.slowestP50} ms | ${single.sumP50} ms | ${single.p50} ms | ${single.p95} ms |`,
    '',
    `Overhead = client wall time − the slowest model's pipeline latency (its GovernanceLog \`latency_ms\`). The batch's wall time is **${Math.round((batch.wallP50 - single.wallP50) * 10) / 10} ms** (p50) above the same model asked alone; one after another the ten models would take the sum column.`,
  ].join('\n');
  process.stdout.write(`${block}\n`);
  if (!flags.update) return;
  const path = fileURLToPath(new URL('../../../../BENCHMARKS.md', import.meta.url));
  const text = readFileSync(path, 'utf8');
  const begin = '<!-- governance-bench:begin -->';
  const end = '<!-- governance-bench:end -->';
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start === -1 || stop === -1) throw new Error(`BENCHMARKS.md has no ${begin} … ${end} block`);
  writeFileSync(path, `${text.slice(0, start + begin.length)}\n${block}\n${text.slice(stop)}`);
}

await main();
