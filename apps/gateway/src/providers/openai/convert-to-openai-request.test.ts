import { chatCompletionRequestSchema, providerQuirksSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { convertToOpenAIRequest } from './convert-to-openai-request.js';

const request = chatCompletionRequestSchema.parse({
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 50,
  response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
  some_new_parameter: { kept: true },
});
const defaults = providerQuirksSchema.parse({});

describe('convertToOpenAIRequest', () => {
  it('sets the upstream model, keeps unknown parameters and uses max_completion_tokens for OpenAI', () => {
    const { body, warnings } = convertToOpenAIRequest(request, { upstreamModel: 'gpt-4o-mini', stream: false, kind: 'openai', quirks: defaults });
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.max_completion_tokens).toBe(50);
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.some_new_parameter).toEqual({ kept: true });
    expect(body).not.toHaveProperty('stream');
    expect(warnings).toEqual([]);
  });

  it('always asks for streamed usage, whatever the client asked', () => {
    const { body } = convertToOpenAIRequest({ ...request, stream: true }, { upstreamModel: 'm', stream: true, kind: 'openai', quirks: defaults });
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('applies the quirks of an OpenAI-compatible server, with a warning for each downgrade', () => {
    const quirks = providerQuirksSchema.parse({ stream_usage: false, json_schema: false, unsupported_params: ['some_new_parameter'] });
    const { body, warnings } = convertToOpenAIRequest({ ...request, stream: true }, { upstreamModel: 'llama3.1', stream: true, kind: 'openai-compatible', quirks });
    expect(body.max_tokens).toBe(50);
    expect(body).not.toHaveProperty('stream_options');
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body).not.toHaveProperty('some_new_parameter');
    expect(warnings).toHaveLength(2);
  });
});

describe('reasoning models', () => {
  const reasoning = chatCompletionRequestSchema.parse({
    model: 'o3',
    messages: [{ role: 'user', content: 'hi' }],
    temperature: 0.2,
    top_p: 1,
    presence_penalty: 0.5,
    logprobs: true,
  });

  it('drops the sampling parameters they refuse, each with a warning, and keeps accepted values', () => {
    const { body, warnings } = convertToOpenAIRequest(reasoning, { upstreamModel: 'o3', stream: false, kind: 'openai', quirks: defaults, reasoningModel: true });
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('presence_penalty');
    expect(body).not.toHaveProperty('logprobs');
    expect(body.top_p).toBe(1);
    expect(warnings).toEqual([
      'temperature is not supported by the reasoning model o3 and was not sent',
      'presence_penalty is not supported by the reasoning model o3 and was not sent',
      'logprobs is not supported by the reasoning model o3 and was not sent',
    ]);
  });

  it('keeps them with reasoning_effort none (GPT-5.1 and later) and for non-reasoning models', () => {
    const none = convertToOpenAIRequest({ ...reasoning, reasoning_effort: 'none' }, { upstreamModel: 'gpt-5.1', stream: false, kind: 'openai', quirks: defaults, reasoningModel: true });
    expect(none.body.temperature).toBe(0.2);
    const plain = convertToOpenAIRequest(reasoning, { upstreamModel: 'gpt-4o', stream: false, kind: 'openai', quirks: defaults });
    expect(plain.warnings).toEqual([]);
  });
});
