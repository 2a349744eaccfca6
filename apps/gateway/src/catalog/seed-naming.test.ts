import { describe, expect, it } from 'vitest';
import { parseHostPlatformModel, qualifyHostPlatformModel, seedProviderName } from './seed-naming.js';

describe('seed naming', () => {
  it('maps host platforms to providers, keeping model ids that contain colons', () => {
    expect(qualifyHostPlatformModel('aws_bedrock', 'anthropic.claude-3-sonnet-20240229-v1:0')).toBe('bedrock/anthropic.claude-3-sonnet-20240229-v1:0');
    expect(qualifyHostPlatformModel('GCP_VERTEX', 'gemini-2.5-pro')).toBe('vertex/gemini-2.5-pro');
    expect(qualifyHostPlatformModel('mainframe', 'x')).toBeNull();
    expect(parseHostPlatformModel('aws_bedrock:meta.llama3-70b-instruct-v1:0')).toBe('bedrock/meta.llama3-70b-instruct-v1:0');
    expect(parseHostPlatformModel('openai:gpt-4o')).toBe('openai/gpt-4o');
    // A Bedrock id on its own is not the host-platform form.
    expect(parseHostPlatformModel('anthropic.claude-3-haiku-20240307-v1:0')).toBeNull();
    expect(parseHostPlatformModel('gpt-4o')).toBeNull();
  });

  it('names providers as the seed records do', () => {
    expect(seedProviderName('bedrock')).toBe('AWS');
    expect(seedProviderName('openai')).toBe('OPENAI');
    expect(seedProviderName('vertex')).toBe('GOOGLE');
    expect(seedProviderName('openai-compatible')).toBe('OPENAI_COMPATIBLE');
  });
});
