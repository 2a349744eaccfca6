import { z } from 'zod';

/** What the self-check model said, validated. `confidence` is null when the model gave none (a bare Yes/No). */
export interface SelfCheckVerdict {
  violation: boolean;
  confidence: number | null;
  reason: string | null;
}

export type ParsedSelfCheckAnswer = ({ ok: true } & SelfCheckVerdict) | { ok: false; problem: string };

const maxReasonChars = 500;

const violationSchema = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', 'yes', 'no']))
    .transform((word) => word === 'true' || word === 'yes'),
]);

// Models write 0.9, "0.9" and now and then 90 (a percentage); anything else is not a confidence.
const confidenceSchema = z
  .union([z.number(), z.string().trim().regex(/^\d+(?:\.\d+)?$/).transform(Number)])
  .pipe(z.number().min(0).max(100))
  .transform((value) => (value > 1 ? value / 100 : value));

const reasonSchema = z
  .string()
  .transform((reason) => normalizeReason(reason))
  .nullish()
  .transform((reason) => reason ?? null);

const verdictSchema = z.object({
  violation: violationSchema,
  confidence: confidenceSchema.nullish().transform((confidence) => confidence ?? null),
  reason: reasonSchema,
});

/**
 * Reads the verdict from a model's answer, in the order models tend to break the format: the JSON object alone, in a
 * fenced block, after leading prose; failing those, a first word of Yes/No (or true/false) as NeMo Guardrails reads
 * its self-check answers. Reasoning blocks (`<think>…</think>`) are skipped.
 */
export function parseSelfCheckAnswer(answer: string): ParsedSelfCheckAnswer {
  const text = answer.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  if (text === '') return { ok: false, problem: 'empty answer' };
  let schemaProblem: string | undefined;
  for (const candidate of jsonCandidates(text)) {
    const value = parseJson(candidate);
    if (value === undefined) continue;
    const parsed = verdictSchema.safeParse(value);
    if (parsed.success) return { ok: true, ...parsed.data };
    const issue = parsed.error.issues[0];
    schemaProblem ??= `unexpected JSON (${issue === undefined ? 'invalid' : `${issue.path.join('.') || 'value'}: ${issue.message}`})`;
  }
  const word = /^[\s*_`"'#>\-[(]*(yes|no|true|false)\b[\s*_`"'\].):,;!-]*([\s\S]*)$/i.exec(text);
  if (word?.[1] !== undefined) {
    const first = word[1].toLowerCase();
    return { ok: true, violation: first === 'yes' || first === 'true', confidence: null, reason: normalizeReason(word[2] ?? '') };
  }
  // The answer itself is not repeated: it may quote the text under review.
  return { ok: false, problem: schemaProblem ?? `no JSON verdict and no Yes/No answer (${text.length} characters)` };
}

/** Fenced blocks first, then the whole text, then each balanced `{…}` in it (at most a few). */
function* jsonCandidates(text: string): Generator<string> {
  for (const match of text.matchAll(/```[a-z]*[ \t]*\r?\n?([\s\S]*?)```/gi)) if (match[1] !== undefined) yield match[1].trim();
  yield text;
  let from = 0;
  for (let found = 0; found < 5; found++) {
    const start = text.indexOf('{', from);
    if (start === -1) return;
    const end = findObjectEnd(text, start);
    if (end === -1) return;
    yield text.slice(start, end);
    from = start + 1;
  }
}

/** The index after the `}` closing the object opened at `start`, honouring strings; -1 when it never closes. */
function findObjectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === '{') depth++;
    else if (character === '}' && --depth === 0) return index + 1;
  }
  return -1;
}

function parseJson(candidate: string): unknown {
  if (!candidate.startsWith('{')) return undefined;
  try {
    return JSON.parse(candidate) as unknown;
  } catch {
    // Not JSON: the next candidate, or the Yes/No reading, may still hold the verdict.
    return undefined;
  }
}

function normalizeReason(reason: string): string | null {
  const trimmed = reason.replace(/\s+/g, ' ').trim();
  if (trimmed === '') return null;
  return trimmed.length <= maxReasonChars ? trimmed : `${trimmed.slice(0, maxReasonChars - 1)}…`;
}
