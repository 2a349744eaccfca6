import { parseArgs } from 'node:util';
import {
  analyzeBatchRequestSchema,
  type AnalyzeBatchRequest,
  type AnalyzeBatchResponse,
  type BatchSummaryEvent,
  type GovernanceLog,
  type PairwiseComparison,
} from '@arbiter/shared';
import { parseModelSpec } from '../governance/model-spec.js';
import { GatewayRequestError, streamBatch } from './batch-stream-client.js';
import { formatCsv, formatTable, modelLabel } from './format-results.js';
import { ProgressDisplay, type ProgressOutput } from './progress-display.js';

export interface CliIo {
  /** The process environment, read by the entry point only (ARBITER_URL, ARBITER_API_KEY). */
  env: Readonly<Record<string, string | undefined>>;
  stdout: ProgressOutput;
  stderr: ProgressOutput;
}

export const analyzeUsage = `Usage: arbiter analyze "<query>" --models <host_platform:model_id,...> [options]

Runs one query against several models at once through an Arbiter gateway, with live progress per model, then prints
a table (model, status, latency, tokens, cost, score).

Options:
  -m, --models <list>       comma-separated host_platform:model_id (repeatable), e.g.
                            aws_bedrock:anthropic.claude-3-sonnet-20240229-v1:0,openai:gpt-4o,gcp_vertex:gemini-2.5-pro
  -c, --context <name>      governance context: aws, gcp, azure, general or a configured one (default: the
                            conversation's when continuing one, else general)
      --judge <model>       judge model (repeatable: a panel); default: the gateway's configured judge
      --reference <text>    reference answer: BLEU and ROUGE next to the judge score
      --no-evaluate         skip the judge
      --pairwise            also compare every two answers head to head
      --timeout <ms>        per-model timeout
      --conversation <id>   continue a conversation
      --url <url>           gateway URL (env ARBITER_URL, default http://127.0.0.1:8080)
      --key <key>           API key (env ARBITER_API_KEY)
      --json                print the whole result as JSON
      --csv                 print one CSV row per model
  -h, --help                this help

Progress goes to stderr; the table, JSON or CSV to stdout. Exit status: 0 when the analysis ran (even if some models
failed: see their status), 1 when the gateway refused or could not be reached, 2 for a usage error.`;

class UsageError extends Error {}

/** `arbiter analyze …`: returns the exit status. */
export async function runAnalyzeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv, io.env);
  } catch (error) {
    // Usage errors, unknown flags (parseArgs) and malformed model specs all mean the command line is wrong.
    if (!(error instanceof Error)) throw error;
    io.stderr.write(`arbiter analyze: ${error.message}\n\n${analyzeUsage}\n`);
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(`${analyzeUsage}\n`);
    return 0;
  }
  const progress = new ProgressDisplay(io.stderr, options.request.models);
  const collected = { results: new Map<number, GovernanceLog>(), comparisons: [] as PairwiseComparison[], summary: null as BatchSummaryEvent | null };
  try {
    await streamBatch({ url: options.url, key: options.key, request: options.request }, (event) => {
      switch (event.type) {
        case 'start':
          return progress.start(event.data.conversation_id);
        case 'result':
          collected.results.set(requestIndexOf(options.request, collected.results, event.data), event.data);
          return progress.finish(event.data);
        case 'comparison':
          collected.comparisons.push(event.data);
          return;
        case 'summary':
          collected.summary = event.data;
          return;
      }
    });
  } catch (error) {
    progress.stop();
    io.stderr.write(`arbiter analyze: ${describeFailure(error, options.url)}\n`);
    return 1;
  }
  progress.stop();
  if (collected.summary === null) {
    io.stderr.write('arbiter analyze: the gateway closed the stream before the summary\n');
    return 1;
  }
  const response: AnalyzeBatchResponse = {
    conversation_id: collected.summary.conversation_id,
    trace_id: collected.summary.trace_id,
    results: options.request.models.flatMap((_, index) => collected.results.get(index) ?? []),
    summary: collected.summary.summary,
    comparisons: collected.comparisons,
  };
  io.stdout.write(options.format === 'json' ? `${JSON.stringify(response, null, 2)}\n` : options.format === 'csv' ? formatCsv(response) : formatTable(response));
  return 0;
}

/** Results arrive in completion order: each goes to the first request slot of its model not yet filled. */
function requestIndexOf(request: AnalyzeBatchRequest, filled: ReadonlyMap<number, GovernanceLog>, log: GovernanceLog): number {
  const index = request.models.findIndex((spec, position) => !filled.has(position) && modelLabel(spec) === modelLabel(log));
  return index === -1 ? request.models.length + filled.size : index;
}

function parseOptions(argv: readonly string[], env: CliIo['env']) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      models: { type: 'string', short: 'm', multiple: true },
      context: { type: 'string', short: 'c' },
      judge: { type: 'string', multiple: true },
      reference: { type: 'string' },
      'no-evaluate': { type: 'boolean' },
      pairwise: { type: 'boolean' },
      timeout: { type: 'string' },
      conversation: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help' as const;
  if (positionals.length !== 1 || positionals[0]?.trim() === '') throw new UsageError('give exactly one query (quote it)');
  if (values.json === true && values.csv === true) throw new UsageError('--json and --csv exclude each other');
  const models = (values.models ?? []).flatMap((list) => list.split(',')).map((item) => item.trim()).filter((item) => item !== '');
  if (models.length === 0) throw new UsageError('--models is required');
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) throw new UsageError('--timeout must be a positive number of milliseconds');
  const judges = (values.judge ?? []).flatMap((list) => list.split(',')).map((item) => item.trim()).filter((item) => item !== '');
  const parsed = analyzeBatchRequestSchema.safeParse({
    query: positionals[0],
    ...(values.context === undefined ? {} : { governance_context: values.context }),
    models: models.map(parseModelSpec),
    evaluate: values['no-evaluate'] !== true,
    pairwise: values.pairwise === true,
    ...(judges.length === 0 ? {} : { judges }),
    ...(values.reference === undefined ? {} : { reference_answer: values.reference }),
    ...(timeout === undefined ? {} : { timeout_ms: timeout }),
    ...(values.conversation === undefined ? {} : { conversation_id: values.conversation }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue?.path.join('.') ?? 'request'}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    request: parsed.data,
    url: values.url ?? env.ARBITER_URL ?? 'http://127.0.0.1:8080',
    key: values.key ?? env.ARBITER_API_KEY,
    format: values.json === true ? ('json' as const) : values.csv === true ? ('csv' as const) : ('table' as const),
  };
}

function describeFailure(error: unknown, url: string): string {
  if (error instanceof GatewayRequestError) return `${error.message}${error.code === null ? '' : ` (${error.code})`}`;
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `could not reach the gateway at ${url} (${error instanceof Error ? error.message : String(error)}${cause})`;
}
