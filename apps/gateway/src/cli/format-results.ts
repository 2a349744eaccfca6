import type { AnalyzeBatchResponse, GovernanceLog } from '@arbiter/shared';

export function modelLabel(log: Pick<GovernanceLog, 'host_platform' | 'model_id'>): string {
  return `${log.host_platform}:${log.model_id}`;
}

export function formatCost(cost: number | null | undefined): string {
  return cost == null ? '-' : `$${cost.toFixed(6)}`;
}

export function formatScore(log: GovernanceLog): string {
  return log.accuracy === null ? '-' : log.accuracy.score.toFixed(2);
}

/** One line per model as it finishes (progress, plain mode). */
export function formatProgressLine(log: GovernanceLog): string {
  const outcome = log.success
    ? `${log.usage.latency_ms} ms, ${log.usage.total_tokens} tokens, ${formatCost(log.cost?.total_cost)}, score ${formatScore(log)}`
    : `${log.usage.latency_ms} ms, ${log.error_code ?? 'error'}: ${log.error_message ?? ''}`;
  return `${modelLabel(log)} ${log.status} (${outcome})`;
}

/** The run as a table: model, status, latency, tokens, cost, score; then failures and the summary. */
export function formatTable(response: AnalyzeBatchResponse): string {
  const header = ['MODEL', 'STATUS', 'LATENCY', 'TOKENS', 'COST', 'SCORE'];
  const rows = response.results.map((log) => [
    modelLabel(log),
    log.status,
    `${log.usage.latency_ms} ms`,
    String(log.usage.total_tokens),
    formatCost(log.cost?.total_cost),
    formatScore(log),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const numeric = new Set([2, 3, 4, 5]);
  const line = (cells: string[]) =>
    cells.map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  const lines = [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
  const failures = response.results.filter((log) => !log.success);
  if (failures.length > 0) {
    lines.push('', 'Failures:');
    for (const log of failures) lines.push(`  ${modelLabel(log)}: ${log.error_code ?? 'error'}: ${log.error_message ?? ''}`);
  }
  const unscored = response.results.filter((log) => log.success && log.accuracy === null && log.accuracy_error !== null);
  if (unscored.length > 0) {
    lines.push('', 'Not scored:');
    for (const log of unscored) lines.push(`  ${modelLabel(log)}: ${log.accuracy_error ?? ''}`);
  }
  const { summary } = response;
  const pick = (entry: AnalyzeBatchResponse['summary']['fastest'], unit: (value: number) => string) =>
    entry === null ? '-' : `${entry.host_platform}:${entry.model_id} (${unit(entry.value)})`;
  lines.push(
    '',
    `Completed ${summary.completed}, failed ${summary.failed} in ${summary.wall_time_ms} ms. Total cost ${formatCost(summary.total_cost)} (evaluation ${formatCost(summary.evaluation_cost)}).`,
    `Fastest: ${pick(summary.fastest, (value) => `${value} ms`)}. Cheapest: ${pick(summary.cheapest, formatCost)}. Best scored: ${pick(summary.best_scored, (value) => value.toFixed(2))}.`,
    `Conversation ${response.conversation_id}, trace ${response.trace_id}.`,
  );
  return `${lines.join('\n')}\n`;
}

/** RFC 4180 CSV, one row per model. */
export function formatCsv(response: AnalyzeBatchResponse): string {
  const header = ['model', 'provider', 'status', 'latency_ms', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'score', 'evaluator_model', 'error'];
  const rows = response.results.map((log) => [
    modelLabel(log),
    log.provider,
    log.status,
    String(log.usage.latency_ms),
    String(log.usage.input_tokens),
    String(log.usage.output_tokens),
    String(log.usage.total_tokens),
    log.cost === null ? '' : String(log.cost.total_cost),
    log.accuracy === null ? '' : String(log.accuracy.score),
    log.accuracy?.evaluator_model ?? '',
    log.error_message ?? '',
  ]);
  return `${[header, ...rows].map((row) => row.map(escapeCsv).join(',')).join('\r\n')}\r\n`;
}

function escapeCsv(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
