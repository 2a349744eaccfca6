import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy, runGuardrails } from './run-guardrails.js';
import { createStreamGuard, type StreamGuardStep } from './stream-guard.js';

const policy = compilePolicy({
  rules: [
    { guardrail: 'pii', output: 'redact' },
    { guardrail: 'secrets', output: 'redact' },
    { guardrail: 'toxicity', output: 'block' },
  ],
});

function streamThrough(chunks: readonly string[]): { text: string; steps: StreamGuardStep[] } {
  const guard = createStreamGuard({ policy });
  const steps = chunks.map((chunk) => guard.push(chunk));
  steps.push(guard.end());
  return { text: steps.map((step) => step.text).join(''), steps };
}

/** Splits a text at the given cut points (sorted, deduplicated). */
function split(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let previous = 0;
  for (const point of [...points, text.length]) {
    chunks.push(text.slice(previous, point));
    previous = point;
  }
  return chunks;
}

describe('stream guard', () => {
  it('catches an SSN split across chunks and releases it redacted', () => {
    const { text, steps } = streamThrough(['Your SSN is 536-2', '2-87', '26, keep it safe.']);
    expect(text).toBe('Your SSN is [US_SSN], keep it safe.');
    for (const step of steps) expect(step.text).not.toMatch(/536|8726/);
  });

  it('holds back only the window and releases the rest as it goes', () => {
    const guard = createStreamGuard({ policy, window: 32 });
    const released = guard.push(`${'All good here. '.repeat(10)}The end is near`).text;
    expect(released.length).toBeGreaterThan(100);
    expect(released.length).toBeLessThanOrEqual(150 + 15 - 32);
    expect(released + guard.end().text).toBe(`${'All good here. '.repeat(10)}The end is near`);
  });

  it('reports released findings with their offsets in the whole stream', () => {
    const { steps } = streamThrough(['Mail me at ', 'jane@exam', 'ple.com please']);
    const findings = steps.flatMap((step) => step.results.flatMap((result) => result.findings));
    expect(findings).toEqual([expect.objectContaining({ type: 'EMAIL_ADDRESS', start: 11, end: 27 })]);
  });

  it('ends the stream when a blocking guardrail triggers, releasing nothing after it', () => {
    const guard = createStreamGuard({ policy });
    const first = guard.push('Sure. You are a stupid ');
    const second = guard.push('idiot and everyone knows it.');
    expect(second.blocked?.guardrail).toBe('toxicity');
    expect(first.text + second.text).not.toContain('idiot');
    expect(guard.push('more text').text).toBe('');
    expect(guard.end().blocked?.guardrail).toBe('toxicity');
  });

  it('holds an unterminated private key until its end marker arrives', () => {
    const guard = createStreamGuard({ policy, window: 16 });
    const released = guard.push(`Here it is:\n-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n${'B'.repeat(64)}\n`).text;
    expect(released).not.toContain('BEGIN');
    const rest = guard.push('-----END PRIVATE KEY-----\nDone.').text + guard.end().text;
    expect(released + rest).toBe('Here it is:\n[PRIVATE_KEY]\nDone.');
  });

  it('pseudonymises with the tenant key when the policy redacts by hash', () => {
    const hashed = compilePolicy({ rules: [{ guardrail: 'pii', output: 'redact' }], redaction: { mode: 'hash' } });
    const guard = createStreamGuard({ policy: hashed, hashKey: 'tenant-key' });
    const text = guard.push('SSN 536-22').text + guard.push('-8726 noted.').text + guard.end().text;
    expect(text).toMatch(/^SSN \[US_SSN_[0-9a-f]{12}\] noted\.$/);
  });

  it('never releases a redactable value, however the stream is chunked (property)', () => {
    const values = ['536-22-8726', '4111 1111 1111 1111', 'jane.doe@example.com', 'GB82 WEST 1234 5698 7654 32', '2001:db8::1'];
    const word = fc.constantFrom('the', 'account', 'balance', 'is', 'fine', 'call', 'later', 'today', 'and', 'mail', 'SSN');
    const piece = fc.oneof(word, fc.constantFrom(...values));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 30 }), (pieces, cuts) => {
        const text = pieces.join(', ');
        const streamed = streamThrough(split(text, cuts));
        // Streaming gives the same result as guarding the whole text at once.
        expect(streamed.text).toBe(runGuardrails(policy, text, { direction: 'output' }).redacted_text);
        for (const value of values) expect(streamed.text).not.toContain(value);
      }),
      { numRuns: 200 },
    );
  });
});
