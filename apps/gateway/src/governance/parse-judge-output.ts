import { z } from 'zod';

/** A judge's grade: exactly what the rubric asks for, validated. */
const gradeSchema = z.object({
  score: z.number().min(0).max(1),
  rationale: z.string().trim().min(1).max(4000),
});
export type Grade = z.infer<typeof gradeSchema>;

const preferenceSchema = z.object({
  preferred: z.enum(['A', 'B', 'tie']),
  rationale: z.string().trim().min(1).max(4000),
});
export type Preference = z.infer<typeof preferenceSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** `{"score": 0.8, "rationale": "…"}`, bare or in a fenced ```json block. */
export function parseGrade(text: string): ParseResult<Grade> {
  return parseWith(gradeSchema, text);
}

/** `{"preferred": "A" | "B" | "tie", "rationale": "…"}`, bare or fenced. */
export function parsePreference(text: string): ParseResult<Preference> {
  return parseWith(preferenceSchema, text);
}

function parseWith<T>(schema: z.ZodType<T>, text: string): ParseResult<T> {
  const json = extractJson(text);
  if (!json.ok) return json;
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `unexpected JSON: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || 'value'}: ${issue.message}`}` };
  }
  return { ok: true, value: parsed.data };
}

/** The whole reply as JSON, or the content of its first fenced code block (models like to fence JSON). */
function extractJson(text: string): ParseResult<unknown> {
  const fenced = /```(?:json)?[ \t]*\r?\n?([\s\S]*?)```/i.exec(text);
  const candidate = (fenced?.[1] ?? text).trim();
  if (candidate === '') return { ok: false, reason: 'empty output' };
  try {
    return { ok: true, value: JSON.parse(candidate) as unknown };
  } catch (error) {
    return { ok: false, reason: `not JSON (${error instanceof Error ? error.message : String(error)}): ${truncate(candidate, 120)}` };
  }
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}
