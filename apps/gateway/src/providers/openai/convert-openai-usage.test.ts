import { readFileSync } from 'node:fs';
import { chatCompletionResponseSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { convertOpenAIUsage, convertToOpenAIUsage } from './convert-openai-usage.js';

const fixture = (name: string) => new URL(`../../../fixtures/providers/${name}`, import.meta.url);

describe('convertOpenAIUsage', () => {
  it('reads the recorded usage of a real response', () => {
    const body = chatCompletionResponseSchema.parse(JSON.parse(readFileSync(fixture('openai/openai-text.json'), 'utf8')));
    expect(convertOpenAIUsage(body.usage!)).toEqual({
      input: { total: 16, noCache: 16, cacheRead: 0, cacheWrite: 0 },
      output: { total: 363, text: 363, reasoning: 0 },
    });
  });

  it('splits cached input and reasoning output out of the totals', () => {
    const usage = convertOpenAIUsage({
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920 },
      completion_tokens_details: { reasoning_tokens: 256 },
    });
    expect(usage).toEqual({
      input: { total: 2006, noCache: 86, cacheRead: 1920, cacheWrite: 0 },
      output: { total: 300, text: 44, reasoning: 256 },
    });
    expect(convertToOpenAIUsage(usage)).toMatchObject({
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920 },
      completion_tokens_details: { reasoning_tokens: 256 },
    });
  });

  it('treats missing detail objects as zero', () => {
    expect(convertOpenAIUsage({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 })).toEqual({
      input: { total: 5, noCache: 5, cacheRead: 0, cacheWrite: 0 },
      output: { total: 7, text: 7, reasoning: 0 },
    });
  });
});
