import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectorId } from './detector.js';
import { bindDetector } from './registry.js';

/**
 * Every detector on 50,000-character adversarial inputs: long runs of the characters and fragments its patterns
 * look for (digits, spaces, "@", ":", dots, brackets, key prefixes, encodings, look-alike letters), alone or
 * interleaved. A pattern that backtracks catastrophically takes seconds here. Time is measured as the process's CPU
 * time for the call, so a busy machine does not turn a fast call into a failure.
 */
const length = 50_000;
/**
 * A catastrophic pattern costs seconds on these inputs; the linear detectors run well under the 10 ms the issue asks
 * for (the guardrail benchmark measures speed). Speed is judged by benchmarks, not by timed tests: this bound is
 * generous enough that only backtracking, not a busy CI machine, can break it.
 */
const budgetMs = 250;

const fragments = [
  '1', '1 ', '12 ', '1-', '1.', '1,', '@', 'a@', 'a.', ':', 'ab:', 'fe80::', ' ', '\n', '#', '-', '=', '*', '{[(', ')]}',
  '\\', '`', '"', "'", 'QUJD', '%41', '0x4', 'AKIA', 'ghp_', 'sk-ab12', 'eyJ', '.eyJ', 'http://a:b@', '![a](http://x?',
  '-----BEGIN PRIVATE KEY-----', 'DE89 ', 'ABCPE1234F ', '+1 (555) ', '4111 ', 'аѕѕ ', 'h3ll0 ', 'i g ', 'ignore ',
  'you are ', 'your response ', 'kill ', 'fuck', 'SSN ', 'born ', '€', '\u200b', '𝐢',
];

/** An input is described by two fragments, a way to mix them and some noise; the text is built from it. */
const inputShape = fc.record({
  first: fc.constantFrom(...fragments),
  second: fc.constantFrom(...fragments),
  mix: fc.nat({ max: 3 }),
  noise: fc.string({ maxLength: 20 }),
});

function buildText({ first, second, mix, noise }: { first: string; second: string; mix: number; noise: string }): string {
  const unit = mix === 0 ? first : mix === 1 ? first + second : mix === 2 ? first.repeat(7) + second : first + noise;
  return unit.repeat(Math.ceil(length / Math.max(1, unit.length))).slice(0, length);
}

function cpuMilliseconds(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

// Default thresholds (what policies use), with the costlier options switched on. Names (compromise) are opt-in and
// outside this bound: they cost milliseconds per kilobyte by design of the library.
const detectors: Array<[DetectorId, Record<string, unknown>]> = [
  ['pii', { dates: 'all' }],
  ['secrets', {}],
  ['prompt_injection', { source: 'third_party' }],
  ['jailbreak', {}],
  ['toxicity', {}],
  ['financial_advice', {}],
  ['confidential', { terms: ['Project Falcon', 'Orion'], patterns: ['\\bDOC-\\d{4}-\\d{5}\\b'] }],
];

describe.each(detectors)('%s on long adversarial input', (id, params) => {
  const detector = bindDetector(id, params);
  // Compile the patterns and the keyword automaton, and let the JIT see each input shape at full length once, so the
  // measured calls do not pay for compilation (CPU time counts the compiler threads too).
  for (const fragment of fragments) {
    const text = fragment.repeat(length / fragment.length + 1).slice(0, length);
    detector.detect(text);
    detector.detect(`${text.slice(0, -1)}!`);
  }

  it(`never backtracks catastrophically (under ${budgetMs} ms CPU per 50 KB call)`, () => {
    fc.assert(
      fc.property(inputShape, (shape) => {
        const text = buildText(shape);
        // The first call on a new shape may pay for JIT compilation; then three calls on copies (the keyword index
        // caches recent texts) are timed and the median kept, so one garbage collection of the previous 50 KB
        // strings does not decide the result. Catastrophic backtracking costs the same on every call.
        detector.detect(text);
        const times = ['.', ',', ';'].map((mark) => {
          const changed = `${text.slice(0, -1)}${mark}`;
          return cpuMilliseconds(() => detector.detect(changed));
        });
        const median = times.sort((a, b) => a - b)[1]!;
        expect(median, `${id} on ${JSON.stringify(text.slice(0, 24))}…`).toBeLessThan(budgetMs);
      }),
      { numRuns: 25 },
    );
  });
});
