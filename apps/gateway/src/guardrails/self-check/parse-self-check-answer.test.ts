import { describe, expect, it } from 'vitest';
import { parseSelfCheckAnswer } from './parse-self-check-answer.js';

describe('parseSelfCheckAnswer', () => {
  it('reads the JSON object the prompt asks for', () => {
    expect(parseSelfCheckAnswer('{"violation": true, "confidence": 0.92, "reason": "Asks for the system prompt."}')).toEqual({
      ok: true,
      violation: true,
      confidence: 0.92,
      reason: 'Asks for the system prompt.',
    });
    expect(parseSelfCheckAnswer('{"violation": false, "confidence": 0.97}')).toEqual({ ok: true, violation: false, confidence: 0.97, reason: null });
  });

  it('reads a fenced block and JSON after leading prose, braces inside strings included', () => {
    const fenced = 'Here is my verdict:\n```json\n{"violation": false, "confidence": 0.9, "reason": "A balance question."}\n```';
    expect(parseSelfCheckAnswer(fenced)).toMatchObject({ ok: true, violation: false, confidence: 0.9 });
    const prose = 'Sure. {"violation": true, "confidence": 0.8, "reason": "Uses {curly} braces and \\"quotes\\"."} Hope that helps.';
    expect(parseSelfCheckAnswer(prose)).toMatchObject({ ok: true, violation: true, reason: 'Uses {curly} braces and "quotes".' });
    // A stray object before the verdict is skipped, not fatal.
    expect(parseSelfCheckAnswer('Format {x} noted. {"violation": "yes", "confidence": "0.7"}')).toMatchObject({ ok: true, violation: true, confidence: 0.7 });
  });

  it('accepts string booleans and percentages as models write them', () => {
    expect(parseSelfCheckAnswer('{"violation": "No", "confidence": 85}')).toMatchObject({ ok: true, violation: false, confidence: 0.85 });
    expect(parseSelfCheckAnswer('{"violation": "TRUE"}')).toMatchObject({ ok: true, violation: true, confidence: null });
  });

  it('falls back to a first word of Yes or No, as NeMo Guardrails reads self-check answers', () => {
    expect(parseSelfCheckAnswer('Yes')).toEqual({ ok: true, violation: true, confidence: null, reason: null });
    expect(parseSelfCheckAnswer('No.')).toEqual({ ok: true, violation: false, confidence: null, reason: null });
    expect(parseSelfCheckAnswer('**Yes** - it asks the bot to forget its rules.')).toEqual({
      ok: true,
      violation: true,
      confidence: null,
      reason: 'it asks the bot to forget its rules.',
    });
    expect(parseSelfCheckAnswer('no, a plain question about fees')).toMatchObject({ ok: true, violation: false, reason: 'a plain question about fees' });
  });

  it('skips reasoning blocks', () => {
    expect(parseSelfCheckAnswer('<think>Yes or no... the user wants a refund.</think>\n{"violation": false, "confidence": 1}')).toMatchObject({
      ok: true,
      violation: false,
    });
  });

  it('refuses garbage without repeating it (it may quote the text under review)', () => {
    const garbage = 'Yesterday my SSN 536-22-8726 was fine, nothing to report';
    const parsed = parseSelfCheckAnswer(garbage);
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).not.toContain('536-22-8726');
    expect(parseSelfCheckAnswer('')).toEqual({ ok: false, problem: 'empty answer' });
    expect(parseSelfCheckAnswer('<think>hmm</think>')).toEqual({ ok: false, problem: 'empty answer' });
    expect(parseSelfCheckAnswer('Nope.').ok).toBe(false);
  });

  it('says what is wrong with JSON of the wrong shape', () => {
    expect(parseSelfCheckAnswer('{"blocked": true}')).toMatchObject({ ok: false, problem: expect.stringContaining('violation') as unknown });
    expect(parseSelfCheckAnswer('{"violation": true, "confidence": 250}')).toMatchObject({ ok: false, problem: expect.stringContaining('confidence') as unknown });
  });

  it('caps and flattens the reason', () => {
    const parsed = parseSelfCheckAnswer(JSON.stringify({ violation: true, reason: `a\n\n${'b'.repeat(2000)}` }));
    expect(parsed.ok && parsed.reason?.length).toBe(500);
    expect(parsed.ok && parsed.reason?.startsWith('a b')).toBe(true);
  });
});
