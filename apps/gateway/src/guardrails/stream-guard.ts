import type { Finding } from './detector.js';
import { redactText } from './redact.js';
import { runGuardrails, type CompiledPolicy, type GuardrailResult } from './run-guardrails.js';

/**
 * Scans a streamed answer as it arrives. Text is released only once it is at least `window` characters behind the
 * newest byte, never in the middle of a word and never in the middle of a finding, so a value split across chunks
 * ("123-4" + "5-6789") is whole when it is scanned and is redacted before any of it leaves. A value no longer than the
 * window can therefore never be released partly unredacted. `end()` releases the rest.
 */
export interface StreamGuardOptions {
  policy: CompiledPolicy;
  /** Characters held back; must exceed the longest value to catch (default 128). */
  window?: number;
  /** Characters of already released text kept as context for the next scan ("SSN: " before the number). */
  context?: number;
  /** Upper bound on held text: past it, text is released even inside a long word (default 16 KiB). */
  maxHold?: number;
  /**
   * Scan only once `window + batch` characters are held (default 0: on every push). Nothing within the window can be
   * released anyway, so waiting loses nothing but an earlier block; it saves a scan per token-sized chunk.
   */
  batch?: number;
  hashKey?: string | Uint8Array;
}

export interface StreamGuardStep {
  /** Text that is safe to send now, with redactions applied. */
  text: string;
  /** Set when a `block` guardrail triggered: end the stream with an error event; nothing more is released. */
  blocked: GuardrailResult | undefined;
  /** Triggered guardrails whose findings were released (or blocked) in this step, offsets in the whole stream. */
  results: GuardrailResult[];
}

export interface StreamGuard {
  push(chunk: string): StreamGuardStep;
  end(): StreamGuardStep;
}

/** The last position ≤ `cut` that is not inside a word or inside a finding. */
function safeCut(buffer: string, cut: number, findings: readonly Finding[]): number {
  let position = cut;
  for (let changed = true; changed; ) {
    changed = false;
    while (position > 0 && !/\s/.test(buffer[position - 1] ?? '') && !/\s/.test(buffer[position] ?? ' ')) position--;
    for (const finding of findings) {
      if (finding.start < position && position < finding.end) {
        position = finding.start;
        changed = true;
      }
    }
  }
  // An unterminated PEM block: hold from its first line until its end marker arrives.
  const begin = buffer.lastIndexOf('-----BEGIN', position);
  if (begin !== -1 && buffer.indexOf('-----END', begin) === -1) position = Math.min(position, begin);
  return position;
}

export function createStreamGuard(options: StreamGuardOptions): StreamGuard {
  const window = options.window ?? 128;
  const contextSize = options.context ?? 64;
  const maxHold = options.maxHold ?? 16_384;
  const scanAt = options.batch === undefined || options.batch <= 0 ? 0 : window + options.batch;
  let context = '';
  let buffer = '';
  let released = 0;
  let blocked: GuardrailResult | undefined;

  const step = (final: boolean): StreamGuardStep => {
    if (blocked !== undefined) return { text: '', blocked, results: [] };
    const scanned = context + buffer;
    const run = runGuardrails(options.policy, scanned, { direction: 'output', hashKey: options.hashKey });
    // Findings that lie wholly in the context were handled when it was released.
    const shift = (finding: Finding): Finding => ({ ...finding, start: finding.start - context.length, end: finding.end - context.length });
    const results = run.results
      .filter((result) => result.triggered)
      .map((result) => ({ ...result, findings: result.findings.filter((finding) => finding.end > context.length).map(shift) }))
      .filter((result) => result.findings.length > 0);
    const block = results.find((result) => result.action === 'block');
    if (block !== undefined) {
      blocked = { ...block, findings: block.findings.map((finding) => ({ ...finding, start: finding.start + released, end: finding.end + released })) };
      buffer = '';
      return { text: '', blocked, results: [blocked] };
    }
    const all = results.flatMap((result) => result.findings);
    let cut = final ? buffer.length : safeCut(buffer, Math.max(0, buffer.length - window), all);
    if (!final && buffer.length - cut > maxHold) cut = buffer.length - window;
    // A finding reaching back into the context started before this buffer: redact only its unreleased part.
    const redactable = results
      .filter((result) => result.action === 'redact')
      .flatMap((result) => result.findings)
      .filter((finding) => finding.end <= cut)
      .map((finding) => ({ ...finding, start: Math.max(0, finding.start) }));
    const text = redactText(buffer.slice(0, cut), redactable, { mode: options.policy.redactionMode, hashKey: options.hashKey });
    const releasedResults = results
      .map((result) => ({
        ...result,
        findings: result.findings
          .filter((finding) => finding.end <= cut)
          .map((finding) => ({ ...finding, start: Math.max(0, finding.start) + released, end: finding.end + released })),
      }))
      .filter((result) => result.findings.length > 0);
    context = (context + buffer.slice(0, cut)).slice(-contextSize);
    buffer = buffer.slice(cut);
    released += cut;
    return { text, blocked: undefined, results: releasedResults };
  };

  return {
    push(chunk) {
      if (blocked !== undefined) return { text: '', blocked, results: [] };
      buffer += chunk;
      if (buffer.length < scanAt) return { text: '', blocked: undefined, results: [] };
      return step(false);
    },
    end() {
      return step(true);
    },
  };
}
