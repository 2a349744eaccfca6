/**
 * Micro-benchmark of the input guard: every built-in detector under the BFSI policy on 4 KB prompts. Two corpora:
 * "mixed" is built from every benign fixture text (BIPIA e-mails, Markdown tables full of numbers, code answers,
 * finance prose), "prose" from the chat-like prompts only (XSTest, BFSI prompts, finance sentences, e-mails); a third
 * of the prompts carry an e-mail address, a card number and a phone number. Prints median and tail per call.
 *
 * The machine this runs on is usually shared, so `--repeat N` runs the whole set N times and prints, per line, the
 * median of the N runs' percentiles and the spread of the medians (min–max): one run's numbers say little.
 * Run: npx tsx apps/gateway/scripts/bench-guardrails.ts [--iterations 2000] [--repeat 5]
 */
import { fileURLToPath } from 'node:url';
import { loadBipia, loadHandMade, loadXstest } from '../src/guardrails/eval/datasets.js';
import { clearPhoneParseCache } from '../src/guardrails/pii/phone.js';
import { bfsiPolicy } from '../src/guardrails/policy-templates.js';
import { compilePolicy, runGuardrails } from '../src/guardrails/run-guardrails.js';

const root = fileURLToPath(new URL('../fixtures/guardrails', import.meta.url));
const option = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const iterations = option('--iterations', 2000);
const repeat = option('--repeat', 1);
const size = 4096;

function buildPrompts(count: number, corpus: 'mixed' | 'prose'): string[] {
  const contexts = loadBipia(root).contexts.filter((context) => corpus === 'mixed' || context.kind === 'email');
  const sources = [
    ...contexts.map((context) => context.context),
    ...loadXstest(root).map((entry) => entry.prompt),
    ...loadHandMade(root, 'benign-finance.jsonl').map((sample) => sample.text),
    ...loadHandMade(root, 'bfsi-benign.jsonl').map((sample) => sample.text),
    ...loadHandMade(root, 'financial-advice.jsonl').filter((sample) => sample.label !== 'advice').map((sample) => sample.text),
  ];
  // Interleave so each prompt mixes kinds of text.
  sources.sort((a, b) => (a.length * 7919) % 101 - (b.length * 7919) % 101);
  const prompts: string[] = [];
  let cursor = 0;
  for (let index = 0; index < count; index++) {
    let prompt = index % 3 === 0 ? 'Contact me at jane.doe@example.com or +1 415 555 0132, card 4111 1111 1111 1111. ' : '';
    while (prompt.length < size) prompt += `${sources[cursor++ % sources.length]}\n`;
    prompts.push(prompt.slice(0, size));
  }
  return prompts;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

/** Median, p90, p99 and max of one run, in µs per call. */
function measure(prompts: readonly string[], run: (text: string) => unknown): number[] {
  for (let index = 0; index < 300; index++) run(prompts[index % prompts.length]!);
  const times: number[] = [];
  for (let index = 0; index < iterations; index++) {
    const text = prompts[index % prompts.length]!;
    const started = process.hrtime.bigint();
    run(text);
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  times.sort((a, b) => a - b);
  return [percentile(times, 0.5), percentile(times, 0.9), percentile(times, 0.99), times[times.length - 1]!];
}

const prompts = buildPrompts(200, 'mixed');
const prose = buildPrompts(200, 'prose');
const policy = compilePolicy(bfsiPolicy);
const withNames = compilePolicy({ rules: [{ guardrail: 'pii', input: 'redact', params: { entities: ['PERSON', 'LOCATION', 'ORGANIZATION'] } }] });
const lines: Array<[string, readonly string[], (text: string) => unknown]> = [
  ['input guard, BFSI, prose prompts', prose, (text) => runGuardrails(policy, text, { direction: 'input' })],
  ['input guard, BFSI, mixed prompts', prompts, (text) => runGuardrails(policy, text, { direction: 'input' })],
  ['  same, stop on first block', prompts, (text) => runGuardrails(policy, text, { direction: 'input', stopOnBlock: true })],
  // The phone parser's answers are cached (the same numbers come back with every turn of a chat); the prompts here
  // repeat, so this line measures each number as if it were new.
  [
    '  prose, phone parse cache cold',
    prose,
    (text) => {
      clearPhoneParseCache();
      return runGuardrails(policy, text, { direction: 'input' });
    },
  ],
  // Each detector alone, on the mixed prompts; the one-pass keyword index is included in every line (it is shared, and
  // counted once, in the full guard).
  ...policy.guardrails.map(({ detector }): [string, readonly string[], (text: string) => unknown] => [`  ${detector.id} alone`, prompts, (text) => detector.detect(text)]),
];
const results = lines.map((): number[][] => []);
for (let round = 0; round < repeat; round++) lines.forEach(([, corpus, run], index) => results[index]!.push(measure(corpus, run)));
const names = measure(prompts.slice(0, 20), (text) => runGuardrails(withNames, text));

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cell = (value: number): string => value.toFixed(1).padStart(8);
process.stdout.write(
  `${prompts.length} prompts of ${size} characters per corpus, ${iterations} calls each, ${repeat} run(s), Node ${process.version}\n\n`,
);
process.stdout.write('| run (µs per call) | median | p90 | p99 | max | medians, min–max |\n| --- | --- | --- | --- | --- | --- |\n');
lines.forEach(([name], index) => {
  const runs = results[index]!;
  const cells = [0, 1, 2, 3].map((column) => cell(median(runs.map((run) => run[column]!))));
  const medians = runs.map((run) => run[0]!);
  process.stdout.write(`| ${name.padEnd(34)} | ${cells.join(' | ')} | ${Math.min(...medians).toFixed(0)}–${Math.max(...medians).toFixed(0)} |\n`);
});
process.stdout.write(`| ${'  pii names (compromise, opt-in)'.padEnd(34)} | ${names.map(cell).join(' | ')} | one run, 20 prompts |\n`);
