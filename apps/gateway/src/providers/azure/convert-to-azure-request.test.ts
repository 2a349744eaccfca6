import { chatCompletionRequestSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { convertToAzureRequest, supportsCurrentParameters } from './convert-to-azure-request.js';

const request = chatCompletionRequestSchema.parse({
  model: 'azure/o4-mini',
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 50,
  data_sources: [{ type: 'azure_search' }],
});

describe('convertToAzureRequest', () => {
  it("applies OpenAI's rules on current API versions and keeps Azure-only fields", () => {
    const { body, warnings } = convertToAzureRequest(request, { deployment: 'o4-mini', stream: true, apiVersion: '2024-12-01-preview' });
    expect(body).toMatchObject({ model: 'o4-mini', stream: true, stream_options: { include_usage: true }, max_completion_tokens: 50 });
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.data_sources).toEqual([{ type: 'azure_search' }]);
    expect(warnings).toEqual([]);
  });

  it('sends max_tokens and no stream_options where the API version predates them', () => {
    const { body } = convertToAzureRequest(
      { ...request, max_tokens: undefined, max_completion_tokens: 40, stream_options: { include_usage: true } },
      { deployment: 'gpt-4o', stream: true, apiVersion: '2024-06-01' },
    );
    expect(body).toMatchObject({ max_tokens: 40, stream: true });
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(body).not.toHaveProperty('stream_options');
  });

  it('leaves out what the deployment rejected', () => {
    const rejected = new Set(['stream_options', 'max_completion_tokens'] as const);
    const { body } = convertToAzureRequest(request, { deployment: 'gpt-4o', stream: true, apiVersion: '2024-10-21', rejected });
    expect(body).toMatchObject({ max_tokens: 50 });
    expect(body).not.toHaveProperty('stream_options');
  });
});

describe('supportsCurrentParameters', () => {
  it('compares dated versions with 2024-09-01 and treats undated ones as current', () => {
    expect(supportsCurrentParameters('2024-08-01-preview')).toBe(false);
    expect(supportsCurrentParameters('2024-09-01-preview')).toBe(true);
    expect(supportsCurrentParameters('2024-10-21')).toBe(true);
    expect(supportsCurrentParameters('2025-04-01-preview')).toBe(true);
    expect(supportsCurrentParameters('preview')).toBe(true);
    expect(supportsCurrentParameters('v1')).toBe(true);
  });
});
