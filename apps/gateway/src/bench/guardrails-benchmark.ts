/**
 * `npm run bench -- --guardrails`: what the BFSI guardrail policy adds to the pipeline. Two built gateways run side
 * by side, one with `guardrails.policy: none` and one with `bfsi`, both pinned to CPU 1 (only one is under load at a
 * time); each measurement slice asks the upstream directly, then the unguarded gateway, then the guarded one, so that
 * the three columns share the machine's state. Results go to stdout and to the `bench-guardrails` block of
 * BENCHMARKS.md (the main benchmark's block is left alone).
 */
import { cpus, totalmem } from 'node:os';
import {
  gatewayPid,
  pin,
  round,
  startGatewayProcess,
  startUpstream,
  stopGatewayProcess,
  targets,
  writeBenchmarkBlock,
  type GatewayProcess,
} from './bench-processes.js';
import { LoadGenerator, percentile, type LatencySample, type Target } from './load-generator.js';
import { cpuMicros, memory } from './process-stats.js';

const shortPrompt = 'Invent a new holiday and describe its traditions.';

/** A 4 KB retail-banking support message: amounts, dates, an e-mail address (redacted), nothing that blocks. */
function buildLongPrompt(): string {
  const paragraphs = [
    'Hello, I am writing about my checking account statement for March. On 2024-03-05 I was charged $45.20 by a merchant I do not recognise, and on 2024-03-07 a second charge of $112.99 appeared.',
    'My balance went from 1,203.55 to 1,045.36 over those two days. The branch told me the disputed amount would be credited within 10 business days, but it has been 14 days now.',
    'Could you explain how the dispute process works, what documents I should keep, and whether the overdraft fee of $35 charged on 2024-03-08 can be refunded as well?',
    'I also want to understand the difference between a savings account and a money market account, and how interest is calculated on each, compounded daily or monthly.',
    'For reference, my reference number from the phone call was 4471-A and the agent said the case was escalated. You can reach me at jane.doe@example.com if anything is missing.',
  ];
  let text = '';
  for (let index = 0; text.length < 4096; index++) text += `${paragraphs[index % paragraphs.length]}\n\n`;
  return text.slice(0, 4096);
}

function chatBody(content: string, stream: boolean): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

interface Column {
  samples: LatencySample[];
  errors: number;
  cpuMicros: number;
}

interface ScenarioResult {
  name: string;
  metric: 'total' | 'firstByte';
  direct: Column;
  none: Column;
  bfsi: Column;
}

interface Gateways {
  none: GatewayProcess;
  bfsi: GatewayProcess;
}

export async function runGuardrailsBenchmark(options: { quick: boolean }): Promise<void> {
  const sliceMs = options.quick ? 1000 : 2000;
  const slices = options.quick ? 1 : 3;
  pin(process.pid, '0');
  const upstream = await startUpstream();
  const gateways: Gateways = {
    none: await startGatewayProcess(upstream.url, { name: 'guardrails-none', configYaml: 'guardrails:\n  policy: none\n' }),
    bfsi: await startGatewayProcess(upstream.url, { name: 'guardrails-bfsi', configYaml: 'guardrails:\n  policy: bfsi\n' }),
  };
  // Before any request: what loading and compiling the detectors costs in memory.
  const idle = { none: memory(gatewayPid(gateways.none.child)), bfsi: memory(gatewayPid(gateways.bfsi.child)) };
  console.log('idle memory (MB)', idle);
  const load = new LoadGenerator();
  const longPrompt = buildLongPrompt();

  /** One open-loop scenario, interleaved per slice: direct, policy none, BFSI. */
  const scenario = async (name: string, body: string, rate: number, metric: ScenarioResult['metric']): Promise<ScenarioResult> => {
    const none = targets(upstream.url, gateways.none.origin, body);
    const bfsi = targets(upstream.url, gateways.bfsi.origin, body);
    const columns = { direct: empty(), none: empty(), bfsi: empty() };
    const run = async (column: Column, target: Target, pid: number | null) => {
      const before = pid === null ? 0 : cpuMicros(pid);
      const result = await load.openLoop(target, rate, sliceMs);
      column.samples.push(...result.samples);
      column.errors += result.errors;
      if (pid !== null) column.cpuMicros += cpuMicros(pid) - before;
    };
    for (let slice = 0; slice < slices; slice++) {
      await run(columns.direct, none.direct, null);
      await run(columns.none, none.gateway, gatewayPid(gateways.none.child));
      await run(columns.bfsi, bfsi.gateway, gatewayPid(gateways.bfsi.child));
    }
    const result = { name, metric, ...columns };
    console.log(name, summarize(result));
    return result;
  };

  // Warm up every path (JIT, pools, the detectors' first runs, the embedded databases' first writes).
  for (const gateway of [gateways.none, gateways.bfsi]) {
    await load.closedLoop(targets(upstream.url, gateway.origin, chatBody(longPrompt, false)).gateway, 16, 2000);
    await load.closedLoop(targets(upstream.url, gateway.origin, chatBody(shortPrompt, true)).gateway, 8, 1000);
  }

  const results = [
    await scenario('chat, short prompt, 1,000 req/s', chatBody(shortPrompt, false), 1000, 'total'),
    await scenario('chat, 4 KB prompt, 500 req/s', chatBody(longPrompt, false), 500, 'total'),
    await scenario('stream (302 chunks), 50/s: first byte', chatBody(shortPrompt, true), 50, 'firstByte'),
  ];
  // The stream scenario's samples also hold the time to the last byte.
  const streamResult = results[2] as ScenarioResult;
  const lastByte: ScenarioResult = { ...streamResult, name: 'stream (302 chunks), 50/s: last byte', metric: 'total' };

  const throughput: Record<'none' | 'bfsi', { rps: number; cpuMicrosPerRequest: number; errors: number }> = {
    none: await closedLoop(load, targets(upstream.url, gateways.none.origin, chatBody(shortPrompt, false)).gateway, gateways.none, options.quick),
    bfsi: await closedLoop(load, targets(upstream.url, gateways.bfsi.origin, chatBody(shortPrompt, false)).gateway, gateways.bfsi, options.quick),
  };
  console.log('max throughput (64 connections)', throughput);
  const rss = { none: memory(gatewayPid(gateways.none.child)), bfsi: memory(gatewayPid(gateways.bfsi.child)) };
  console.log('memory (MB)', rss);

  await load.close();
  await stopGatewayProcess(gateways.none);
  await stopGatewayProcess(gateways.bfsi);
  upstream.child.disconnect();
  writeResults([...results, lastByte], throughput, { idle, after: rss }, gateways.bfsi.pinned, options.quick);
}

function empty(): Column {
  return { samples: [], errors: 0, cpuMicros: 0 };
}

async function closedLoop(load: LoadGenerator, target: Target, gateway: GatewayProcess, quick: boolean) {
  const pid = gatewayPid(gateway.child);
  const before = cpuMicros(pid);
  const result = await load.closedLoop(target, 64, quick ? 2000 : 5000);
  return {
    rps: Math.round(result.completed / result.seconds),
    cpuMicrosPerRequest: Math.round((cpuMicros(pid) - before) / Math.max(1, result.completed)),
    errors: result.errors,
  };
}

function values(column: Column, metric: ScenarioResult['metric']): number[] {
  return column.samples.map((sample) => sample[metric]);
}

function summarize(result: ScenarioResult) {
  const p = (column: Column, fraction: number) => percentile(values(column, result.metric), fraction);
  const cpu = (column: Column) => Math.round(column.cpuMicros / Math.max(1, column.samples.length));
  return {
    direct_p50: round(p(result.direct, 0.5), 3),
    none_p50: round(p(result.none, 0.5), 3),
    bfsi_p50: round(p(result.bfsi, 0.5), 3),
    bfsi_extra_p50: round(p(result.bfsi, 0.5) - p(result.none, 0.5), 3),
    none_p99: round(p(result.none, 0.99), 3),
    bfsi_p99: round(p(result.bfsi, 0.99), 3),
    bfsi_extra_p99: round(p(result.bfsi, 0.99) - p(result.none, 0.99), 3),
    none_cpu_us: cpu(result.none),
    bfsi_cpu_us: cpu(result.bfsi),
    errors: result.direct.errors + result.none.errors + result.bfsi.errors,
  };
}

function writeResults(
  results: ScenarioResult[],
  throughput: Record<'none' | 'bfsi', { rps: number; cpuMicrosPerRequest: number; errors: number }>,
  rss: Record<'idle' | 'after', Record<'none' | 'bfsi', { rssMb: number; peakRssMb: number }>>,
  pinned: boolean,
  quick: boolean,
): void {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const database = process.env.DATABASE_URL === undefined ? 'embedded PGlite (child processes)' : 'PostgreSQL (DATABASE_URL)';
  const lines = [
    `Measured ${new Date().toISOString()} on ${machine}; both gateways ${pinned ? 'pinned to CPU 1 (one under load at a time)' : 'NOT pinned'}; database: ${database}${quick ? '; --quick run' : ''}.`,
    '',
    '| scenario | direct p50 | policy none p50 | BFSI p50 | **BFSI adds p50** | none p99 | BFSI p99 | BFSI adds p99 | CPU/request none → BFSI | errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((result) => {
      const row = summarize(result);
      const cpu = result.metric === 'firstByte' ? '' : `${row.none_cpu_us} → ${row.bfsi_cpu_us} µs`;
      return `| ${result.name} | ${row.direct_p50} ms | ${row.none_p50} ms | ${row.bfsi_p50} ms | **${row.bfsi_extra_p50} ms** | ${row.none_p99} ms | ${row.bfsi_p99} ms | ${row.bfsi_extra_p99} ms | ${cpu} | ${row.errors} |`;
    }),
    '',
    `- Max throughput, 64 connections, short prompt: policy none **${throughput.none.rps} req/s** (${throughput.none.cpuMicrosPerRequest} µs CPU per request), BFSI **${throughput.bfsi.rps} req/s** (${throughput.bfsi.cpuMicrosPerRequest} µs); errors ${throughput.none.errors} / ${throughput.bfsi.errors}.`,
    `- Gateway RSS once ready, before any request: policy none **${round(rss.idle.none.rssMb, 1)} MB**, BFSI **${round(rss.idle.bfsi.rssMb, 1)} MB** (the detectors loaded and compiled).`,
    `- Gateway RSS after the run: policy none ${round(rss.after.none.rssMb, 1)} MB (peak ${round(rss.after.none.peakRssMb, 1)} MB), BFSI ${round(rss.after.bfsi.rssMb, 1)} MB (peak ${round(rss.after.bfsi.peakRssMb, 1)} MB).`,
  ];
  writeBenchmarkBlock('bench-guardrails', lines);
  console.log(`\n${lines.join('\n')}\n\nWritten to BENCHMARKS.md`);
}
