import { governanceConfigSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { buildGradingInstructions, PromptTemplates } from './prompt-templates.js';
import { buildModelMessages } from './run-analysis.js';

describe('PromptTemplates', () => {
  it('serves the built-in contexts, versioned, and lets config override or add one', () => {
    const templates = new PromptTemplates(
      governanceConfigSchema.parse({ prompts: { aws: { version: 'aws-custom', system: 'S', rubric: 'R' }, sox: { version: 'sox-1', system: 'S2', rubric: 'R2' } } }),
    );
    expect(templates.list()).toEqual([
      { name: 'aws', version: 'aws-custom' },
      { name: 'gcp', version: 'gcp-2026-11-v1' },
      { name: 'azure', version: 'azure-2026-11-v1' },
      { name: 'general', version: 'general-2026-11-v1' },
      { name: 'sox', version: 'sox-1' },
    ]);
    expect(templates.resolve('sox')).toEqual({ context: 'sox', version: 'sox-1', system: 'S2', rubric: 'R2' });
    expect(() => templates.resolve('pci')).toThrow(/Unknown governance_context 'pci'/);
  });

  it('the grading prompt carries the rubric, the bands and the one output format', () => {
    const text = buildGradingInstructions(new PromptTemplates(governanceConfigSchema.parse({})).resolve('gcp'));
    expect(text).toContain('Google Cloud');
    expect(text).toContain('a longer answer is not a better one');
    expect(text).toContain('{"score": <number from 0 to 1>, "rationale": "<two or three sentences>"}');
  });
});

describe('buildModelMessages', () => {
  it('system prompt, then only the turns this model answered, then the query', () => {
    const turns = [
      { query: 'q1', answers: new Map([['openai:gpt-4o', 'a1']]) },
      { query: 'q2', answers: new Map([['aws_bedrock:x', 'b2']]) },
    ];
    expect(buildModelMessages('S', turns, 'openai:gpt-4o', 'q3')).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q3' },
    ]);
  });
});
