/**
 * `npm run bench`: the gateway against a direct call to the same fake OpenAI upstream, interleaved in one run.
 * Processes: this load generator, the fake upstream and the embedded database's host process share CPU 0; the
 * gateway process alone is pinned to CPU 1 (when `taskset` exists), so its numbers are per core. Results go to
 * stdout and BENCHMARKS.md. `--guardrails` runs the guardrail comparison instead (guardrails-benchmark.ts), `--limits` the virtual-key,
 * rate-limit and budget comparison (limits-benchmark.ts).
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import {
  gatewayPid as useGatewayPid,
  pin,
  raisePriority,
  round,
  startGatewayProcess,
  startUpstream,
  stopGatewayProcess,
  targets,
  writeBenchmarkBlock,
} from './bench-processes.js';
import { LoadGenerator, percentile } from './load-generator.js';
import { childPids, cpuMicros, memory } from './process-stats.js';

const quick = process.argv.includes('--quick');
const sliceMs = quick ? 1000 : 2000;
const slices = quick ? 1 : 3;
const rates = [500, 1000, 2000];

const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }] });
const streamBody = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }],
});
// A two-target fallback alias, to measure routing in the path.
const benchConfig = 'routes:\n  - alias: bench-fallback\n    strategy: fallback\n    targets:\n      - model: openai/gpt-4o-mini\n      - model: openai/gpt-4o\n';

async function main(): Promise<void> {
  pin(process.pid, '0');
  const prioritized = raisePriority();
  const upstream = await startUpstream();
  const gateway = await startGatewayProcess(upstream.url, { configYaml: benchConfig });
  const gatewayPid = useGatewayPid(gateway.child);
  const load = new LoadGenerator();
  const chat = targets(upstream.url, gateway.origin, chatBody);
  const stream = targets(upstream.url, gateway.origin, streamBody);
  const alias = targets(upstream.url, gateway.origin, chatBody.replace('"gpt-4o-mini"', '"bench-fallback"'));

  // Warm up both paths (JIT, connection pools, the embedded database's first writes).
  await load.closedLoop(chat.direct, 16, 1500);
  await load.closedLoop(chat.gateway, 16, 3000);

  const latency: Array<Record<string, number>> = [];
  for (const rate of rates) {
    const direct: number[] = [];
    const through: number[] = [];
    let errors = 0;
    for (let slice = 0; slice < slices; slice++) {
      const a = await load.openLoop(chat.direct, rate, sliceMs);
      const b = await load.openLoop(chat.gateway, rate, sliceMs);
      direct.push(...a.samples.map((sample) => sample.total));
      through.push(...b.samples.map((sample) => sample.total));
      errors += a.errors + b.errors;
    }
    const row = {
      rate,
      direct_p50: round(percentile(direct, 0.5), 3),
      gateway_p50: round(percentile(through, 0.5), 3),
      added_p50: round(percentile(through, 0.5) - percentile(direct, 0.5), 3),
      direct_p99: round(percentile(direct, 0.99), 3),
      gateway_p99: round(percentile(through, 0.99), 3),
      added_p99: round(percentile(through, 0.99) - percentile(direct, 0.99), 3),
      requests: direct.length + through.length,
      errors,
    };
    latency.push(row);
    console.log('open loop', row);
  }

  // The same at 1,000 req/s through the two-target fallback alias (routing, breaker and stats in the path).
  const aliasDirect: number[] = [];
  const aliasThrough: number[] = [];
  for (let slice = 0; slice < slices; slice++) {
    aliasDirect.push(...(await load.openLoop(alias.direct, 1000, sliceMs)).samples.map((sample) => sample.total));
    aliasThrough.push(...(await load.openLoop(alias.gateway, 1000, sliceMs)).samples.map((sample) => sample.total));
  }
  const aliasRow = {
    added_p50: round(percentile(aliasThrough, 0.5) - percentile(aliasDirect, 0.5), 3),
    added_p99: round(percentile(aliasThrough, 0.99) - percentile(aliasDirect, 0.99), 3),
  };
  console.log('fallback alias at 1000 req/s', aliasRow);

  // Streams: the recorded 302-chunk completion (about 100 KB of SSE), sent by the upstream in one piece.
  const ttft: Array<Record<string, number>> = [];
  for (const streamRate of [50, 200]) {
    const ttftDirect: number[] = [];
    const ttftGateway: number[] = [];
    let streams = 0;
    const cpuBeforeStreams = cpuMicros(gatewayPid);
    for (let slice = 0; slice < slices; slice++) {
      ttftDirect.push(...(await load.openLoop(stream.direct, streamRate, sliceMs)).samples.map((sample) => sample.firstByte));
      const through = await load.openLoop(stream.gateway, streamRate, sliceMs);
      ttftGateway.push(...through.samples.map((sample) => sample.firstByte));
      streams += through.samples.length;
    }
    const row = {
      rate: streamRate,
      direct_p50: round(percentile(ttftDirect, 0.5), 3),
      gateway_p50: round(percentile(ttftGateway, 0.5), 3),
      added_p50: round(percentile(ttftGateway, 0.5) - percentile(ttftDirect, 0.5), 3),
      added_p99: round(percentile(ttftGateway, 0.99) - percentile(ttftDirect, 0.99), 3),
      cpu_us_per_stream: Math.round((cpuMicros(gatewayPid) - cpuBeforeStreams) / Math.max(1, streams)),
    };
    ttft.push(row);
    console.log('time to first streamed chunk', row);
  }

  const directMax = await load.closedLoop(chat.direct, 64, quick ? 2000 : 5000);
  const cpuBefore = cpuMicros(gatewayPid);
  const gatewayMax = await load.closedLoop(chat.gateway, 64, quick ? 2000 : 5000);
  const cpuPerRequest = (cpuMicros(gatewayPid) - cpuBefore) / Math.max(1, gatewayMax.completed);
  const throughput = {
    direct_rps: Math.round(directMax.completed / directMax.seconds),
    gateway_rps: Math.round(gatewayMax.completed / gatewayMax.seconds),
    gateway_errors: gatewayMax.errors,
    gateway_cpu_us_per_request: Math.round(cpuPerRequest),
    cpu_bound_rps_per_core: Math.round(1_000_000 / cpuPerRequest),
  };
  console.log('max throughput (64 connections)', throughput);

  const databasePid = childPids(gatewayPid)[0];
  const rss = {
    gateway: memory(gatewayPid),
    embedded_database: databasePid === undefined ? null : memory(databasePid),
  };
  console.log('memory (MB)', rss);

  await load.close();
  await stopGatewayProcess(gateway);
  upstream.child.disconnect();

  const eventLoop = JSON.parse(readFileSync(gateway.loopStatsFile, 'utf8')) as { p50_ms: number; p99_ms: number; max_ms: number };
  console.log('gateway event-loop delay over the whole run', eventLoop);
  writeResults({ latency, aliasRow, ttft, throughput, rss, eventLoop, pinned: gateway.pinned, prioritized });
}

function writeResults(results: {
  latency: Array<Record<string, number>>;
  aliasRow: { added_p50: number; added_p99: number };
  ttft: Array<Record<string, number>>;
  throughput: Record<string, number>;
  rss: { gateway: { rssMb: number; peakRssMb: number }; embedded_database: { rssMb: number; peakRssMb: number } | null };
  eventLoop: { p50_ms: number; p99_ms: number; max_ms: number };
  pinned: boolean;
  prioritized: boolean;
}): void {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const database = process.env.DATABASE_URL === undefined ? 'embedded PGlite (child process)' : 'PostgreSQL (DATABASE_URL)';
  const lines = [
    `Measured ${new Date().toISOString()} on ${machine}; gateway ${results.pinned ? 'pinned to one core (taskset -c 1); load generator, upstream and database host on the other' : 'NOT pinned'}${results.prioritized ? ' (benchmark processes at nice −10, database host at nice 19)' : ''}; database: ${database}${quick ? '; --quick run' : ''}.`,
    '',
    '| rate (req/s) | direct p50 | gateway p50 | added p50 | direct p99 | gateway p99 | added p99 | errors |',
    '|---|---|---|---|---|---|---|---|',
    ...results.latency.map((row) => `| ${row.rate} | ${row.direct_p50} ms | ${row.gateway_p50} ms | **${row.added_p50} ms** | ${row.direct_p99} ms | ${row.gateway_p99} ms | **${row.added_p99} ms** | ${row.errors} |`),
    '',
    `- Through a two-target fallback alias at 1,000 req/s: added p50 **${results.aliasRow.added_p50} ms**, p99 ${results.aliasRow.added_p99} ms.`,
    ...results.ttft.map(
      (row) =>
        `- Streams at ${row.rate}/s (302 chunks, ~100 KB each): added time to first chunk p50 **${row.added_p50} ms**, p99 ${row.added_p99} ms; gateway CPU ${row.cpu_us_per_stream} µs per stream.`,
    ),
    `- Max throughput, 64 connections: gateway **${results.throughput.gateway_rps} req/s** (direct ${results.throughput.direct_rps} req/s), ${results.throughput.gateway_errors} errors.`,
    `- Gateway CPU per request: **${results.throughput.gateway_cpu_us_per_request} µs** (a fully busy core would serve ${results.throughput.cpu_bound_rps_per_core} req/s).`,
    `- Gateway event-loop delay over the whole run (1 ms resolution): p50 ${results.eventLoop.p50_ms} ms, p99 ${results.eventLoop.p99_ms} ms, max ${results.eventLoop.max_ms} ms.`,
    `- Gateway RSS: ${round(results.rss.gateway.rssMb, 1)} MB now, **${round(results.rss.gateway.peakRssMb, 1)} MB peak** (excluding the embedded database${results.rss.embedded_database === null ? '' : `, whose host process peaked at ${round(results.rss.embedded_database.peakRssMb, 1)} MB`}).`,
  ];
  writeBenchmarkBlock('bench', lines);
  console.log(`\n${lines.join('\n')}\n\nWritten to BENCHMARKS.md`);
}

if (process.argv.includes('--limits')) {
  const { runLimitsBenchmark } = await import('./limits-benchmark.js');
  await runLimitsBenchmark({ quick });
} else if (process.argv.includes('--guardrails')) {
  const { runGuardrailsBenchmark } = await import('./guardrails-benchmark.js');
  await runGuardrailsBenchmark({ quick });
} else {
  await main();
}
