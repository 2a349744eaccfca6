import { describe, expect, it } from 'vitest';
import { formatModelSpec, parseModelSpec, toJudgeModel, toPipelineModel } from './model-spec.js';

describe('model specs in the seed naming', () => {
  it('parses host_platform:model_id at the first colon (Bedrock ids contain colons)', () => {
    expect(parseModelSpec('aws_bedrock:anthropic.claude-3-sonnet-20240229-v1:0')).toEqual({ host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-sonnet-20240229-v1:0' });
    expect(formatModelSpec({ host_platform: 'openai', model_id: 'gpt-4o' })).toBe('openai:gpt-4o');
    expect(() => parseModelSpec('gpt-4o')).toThrow(/host_platform:model_id/);
    expect(() => parseModelSpec(':gpt-4o')).toThrow();
    expect(() => parseModelSpec('openai:')).toThrow();
  });

  it('keeps the seed form for the seed host platforms and uses provider/model for configured providers', () => {
    expect(toPipelineModel({ host_platform: 'gcp_vertex', model_id: 'gemini-2.5-pro' })).toBe('gcp_vertex:gemini-2.5-pro');
    expect(toPipelineModel({ host_platform: 'ollama', model_id: 'llama3.1' })).toBe('ollama/llama3.1');
    expect(toJudgeModel('openai/gpt-4o')).toBe('openai/gpt-4o');
    expect(toJudgeModel({ host_platform: 'aws_bedrock', model_id: 'x:0' })).toBe('aws_bedrock:x:0');
  });
});
