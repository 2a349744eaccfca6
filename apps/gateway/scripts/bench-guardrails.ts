/**
 * Micro-benchmark of the input guard: every built-in detector under the BFSI policy on 4 KB prompts. Two corpora:
 * "mixed" is built from every benign fixture text (BIPIA e-mails, Markdown tables full of numbers, code answers,
 * finance prose), "prose" from the chat-like prompts only (XSTest, BFSI prompts, finance sentences, e-mails); a third
 * of the prompts carry an e-mail address, a card number and a phone number. Prints median and tail per call.
 * Run: npx tsx apps/gateway/scripts/bench-guardrails.ts [--iterations 2000]
 */
import { fileURLToPath } from 'node:url';
import { loadBipia, loadHandMade, loadXstest } from '../src/guardrails/eval/datasets.js';
import { bfsiPolicy } from '../src/guardrails/policy-templates.js';
import { compilePolicy, runGuardrails } from '../src/guardrails/run-guardrails.js';

const root = fileURLToPath(new URL('../fixtures/guardrails', import.meta.url));
const flag = process.argv.indexOf('--iterations');
const iterations = flag === -1 ? 2000 : Number(process.argv[flag + 1]);
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

function measure(name: string, prompts: readonly string[], run: (text: string) => unknown): void {
  for (let index = 0; index < 300; index++) run(prompts[index % prompts.length]!);
  const times: number[] = [];
  for (let index = 0; index < iterations; index++) {
    const text = prompts[index % prompts.length]!;
    const started = process.hrtime.bigint();
    run(text);
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  times.sort((a, b) => a - b);
  const cells = [0.5, 0.9, 0.99].map((fraction) => percentile(times, fraction).toFixed(1).padStart(8));
  process.stdout.write(`| ${name.padEnd(34)} | ${cells.join(' | ')} | ${times[times.length - 1]!.toFixed(0).padStart(6)} |\n`);
}

const prompts = buildPrompts(200, 'mixed');
const prose = buildPrompts(200, 'prose');
const policy = compilePolicy(bfsiPolicy);
process.stdout.write(`${prompts.length} prompts of ${size} characters per corpus, ${iterations} calls each, Node ${process.version}\n\n`);
process.stdout.write('| run (µs per call) | median | p90 | p99 | max |\n| --- | --- | --- | --- | --- |\n');
measure('input guard, BFSI, prose prompts', prose, (text) => runGuardrails(policy, text, { direction: 'input' }));
measure('input guard, BFSI, mixed prompts', prompts, (text) => runGuardrails(policy, text, { direction: 'input' }));
measure('  same, stop on first block', prompts, (text) => runGuardrails(policy, text, { direction: 'input', stopOnBlock: true }));
// Each detector alone, on the mixed prompts; the one-pass keyword index is included in every line (it is shared, and
// counted once, in the full guard).
for (const guardrail of policy.guardrails) {
  measure(`  ${guardrail.detector.id} alone`, prompts, (text) => guardrail.detector.detect(text));
}
const withNames = compilePolicy({ rules: [{ guardrail: 'pii', input: 'redact', params: { entities: ['PERSON', 'LOCATION', 'ORGANIZATION'] } }] });
measure('  pii names (compromise, opt-in)', prompts.slice(0, 20), (text) => runGuardrails(withNames, text));
