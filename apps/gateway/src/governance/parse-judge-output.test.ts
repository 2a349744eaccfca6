import { describe, expect, it } from 'vitest';
import { parseGrade, parsePreference } from './parse-judge-output.js';

describe('parseGrade', () => {
  it('accepts a bare JSON object', () => {
    expect(parseGrade('{"score": 0.8, "rationale": "Correct and specific."}')).toEqual({ ok: true, value: { score: 0.8, rationale: 'Correct and specific.' } });
  });

  it('accepts a fenced ```json block, with text around it', () => {
    const text = 'Here is my grade:\n```json\n{"score": 1, "rationale": "Complete."}\n```\nThanks.';
    expect(parseGrade(text)).toEqual({ ok: true, value: { score: 1, rationale: 'Complete.' } });
    expect(parseGrade('```\n{"score": 0, "rationale": "Wrong."}\n```')).toMatchObject({ ok: true, value: { score: 0 } });
  });

  it('rejects prose, scores out of range, strings for numbers and missing rationales', () => {
    expect(parseGrade('The answer is good, I would give it 8/10.')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
    expect(parseGrade('{"score": 8, "rationale": "Good."}')).toMatchObject({ ok: false, reason: expect.stringContaining('score') });
    expect(parseGrade('{"score": "0.8", "rationale": "Good."}')).toMatchObject({ ok: false });
    expect(parseGrade('{"score": 0.5}')).toMatchObject({ ok: false, reason: expect.stringContaining('rationale') });
    expect(parseGrade('{"score": 0.5, "rationale": "   "}')).toMatchObject({ ok: false });
    expect(parseGrade('')).toEqual({ ok: false, reason: 'empty output' });
    expect(parseGrade('[0.5]')).toMatchObject({ ok: false });
  });
});

describe('parsePreference', () => {
  it('accepts A, B or tie', () => {
    expect(parsePreference('{"preferred": "B", "rationale": "More specific."}')).toEqual({ ok: true, value: { preferred: 'B', rationale: 'More specific.' } });
    expect(parsePreference('```json\n{"preferred": "tie", "rationale": "Equivalent."}\n```')).toMatchObject({ ok: true, value: { preferred: 'tie' } });
    expect(parsePreference('{"preferred": "C", "rationale": "?"}')).toMatchObject({ ok: false });
  });
});
