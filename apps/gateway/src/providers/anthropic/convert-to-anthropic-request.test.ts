import { readFileSync } from 'node:fs';
import { GatewayError, chatCompletionRequestSchema, type ChatCompletionRequest } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertToAnthropicRequest, type AnthropicRequestOptions } from './convert-to-anthropic-request.js';

const fixtures = new URL('../../../fixtures/providers/anthropic/', import.meta.url);
const options: AnthropicRequestOptions = { upstreamModel: 'claude-sonnet-4-5', stream: false };

/** Requests go through the shared schema first, as they do in the gateway. */
function convert(request: Omit<ChatCompletionRequest, 'model'> & { model?: string }, extra: Partial<AnthropicRequestOptions> = {}) {
  return convertToAnthropicRequest(chatCompletionRequestSchema.parse({ model: 'claude', ...request }), { ...options, ...extra });
}

function convertError(request: Omit<ChatCompletionRequest, 'model'>): GatewayError {
  try {
    convert(request);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

const user = (content: string) => ({ role: 'user' as const, content });

describe('convertToAnthropicRequest', () => {
  it('hoists system and developer messages and requires max_tokens', () => {
    const { body, warnings } = convert({
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'developer', content: [{ type: 'text', text: 'Use SI units.' }] }, user('Hi')],
    });
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Use SI units.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      max_tokens: 4096,
    });
    expect(warnings).toEqual(['max_tokens is required by Anthropic; none was given, so the default of 4096 was sent']);
  });

  it('uses the model maximum from the catalog, max_completion_tokens before max_tokens, and sets stream', () => {
    expect(convert({ messages: [user('Hi')] }, { maxOutputTokens: 64000 }).body.max_tokens).toBe(64000);
    const { body, warnings } = convert({ messages: [user('Hi')], max_tokens: 10, max_completion_tokens: 20 }, { stream: true });
    expect(body).toMatchObject({ max_tokens: 20, stream: true });
    expect(warnings).toEqual([]);
  });

  it('warns when a system message is moved from the middle of the conversation', () => {
    const { body, warnings } = convert({ messages: [user('Hi'), { role: 'system', content: 'Now in French.' }], max_tokens: 5 });
    expect(body.system).toEqual([{ type: 'text', text: 'Now in French.' }]);
    expect(warnings).toEqual(['system messages after the first user or assistant message were moved to the top-level system prompt']);
  });

  it('produces the tool round trip pydantic-ai recorded against the real API', () => {
    const cassette = parse(readFileSync(new URL('test_anthropic_tool_output.yaml', fixtures), 'utf8'));
    const recorded = cassette.interactions[1].request.parsed_body;
    const { body, warnings } = convert({
      messages: [
        user('What is the largest city in the user country?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'toolu_01X9wcHKKAZD9tBC711xipPa', type: 'function', function: { name: 'get_user_country', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_01X9wcHKKAZD9tBC711xipPa', content: 'Mexico' },
      ],
      max_tokens: 4096,
      tool_choice: 'required',
      tools: recorded.tools.map((tool: { name: string; description: string; input_schema: Record<string, unknown> }) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.input_schema },
      })),
    }, { upstreamModel: recorded.model });
    expect(warnings).toEqual([]);
    // Everything we send is in the recorded request (which also carries `is_error: false` and `stream: false`).
    expect(recorded).toMatchObject(body);
  });

  it('merges consecutive tool results and same-role turns, tool results first', () => {
    const { body } = convert({
      messages: [
        user('Weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call.2', type: 'function', function: { name: 'weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '18°C' }] },
        { role: 'tool', tool_call_id: 'call.2', content: '21°C' },
        user('And tomorrow?'),
        user('Thanks.'),
      ],
      max_tokens: 100,
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: '18°C' }] },
          { type: 'tool_result', tool_use_id: 'call_2', content: '21°C' },
          { type: 'text', text: 'And tomorrow?' },
          { type: 'text', text: 'Thanks.' },
        ],
      },
    ]);
  });

  it('converts images and PDFs given as data URLs or http URLs', () => {
    const { body, warnings } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
      max_tokens: 100,
    });
    expect(body.messages[0]?.content).toEqual([
      { type: 'text', text: 'Compare these.' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ]);
    expect(warnings).toEqual(['image_url.detail is not supported by Anthropic and was not sent']);
  });

  it('rejects content Anthropic cannot take', () => {
    const image = (url: string) => ({ messages: [{ role: 'user' as const, content: [{ type: 'image_url' as const, image_url: { url } }] }] });
    expect(convertError(image('data:image/svg+xml,%3Csvg%3E'))).toMatchObject({ code: 'invalid_request', param: 'messages[0].content[0].image_url.url' });
    expect(convertError(image('ftp://example.com/a.png')).status).toBe(400);
    expect(convertError(image('data:audio/wav;base64,AAAA')).message).toMatch(/audio\/wav is not supported/);
    const audio = convertError({
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }],
    });
    expect(audio).toMatchObject({ code: 'invalid_request', param: 'messages[0].content[0]' });
  });

  it('rejects tool calls whose arguments are not a JSON object, naming the parameter', () => {
    const call = (args: string) => ({
      messages: [
        user('Hi'),
        { role: 'assistant' as const, tool_calls: [{ id: 'call_1', type: 'function' as const, function: { name: 'f', arguments: args } }] },
      ],
    });
    const error = convertError(call('{"city": "Paris"'));
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, param: 'messages[1].tool_calls[0].function.arguments' });
    expect(error.message).toMatch(/not valid JSON/);
    expect(convertError(call('[1, 2]')).message).toBe('tool call arguments must be a JSON object');
  });

  it('maps sampling parameters, clamping temperature to Anthropic’s range', () => {
    const { body, warnings } = convert({ messages: [user('Hi')], max_tokens: 5, temperature: 1.6, top_p: 0.9, stop: 'END', top_k: 40 });
    expect(body).toMatchObject({ temperature: 1, top_k: 40, stop_sequences: ['END'] });
    expect(body).not.toHaveProperty('top_p');
    expect(warnings).toEqual([
      "temperature 1.6 is above Anthropic's maximum of 1; 1 was sent",
      'top_p was not sent: Anthropic models accept temperature or top_p, not both (temperature was sent)',
    ]);
    expect(convert({ messages: [user('Hi')], max_tokens: 5, top_p: 0.9, stop: ['a', 'b'] }).body).toMatchObject({ top_p: 0.9, stop_sequences: ['a', 'b'] });
  });

  it('converts tools and every tool_choice', () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', description: 'Look up.' } }];
    const base = { messages: [user('Hi')], max_tokens: 5, tools };
    expect(convert(base).body.tools).toEqual([{ name: 'lookup', description: 'Look up.', input_schema: { type: 'object', properties: {} } }]);
    expect(convert({ ...base, tool_choice: 'auto' }).body.tool_choice).toEqual({ type: 'auto' });
    expect(convert({ ...base, tool_choice: 'required' }).body.tool_choice).toEqual({ type: 'any' });
    expect(convert({ ...base, tool_choice: 'none' }).body.tool_choice).toEqual({ type: 'none' });
    expect(convert({ ...base, tool_choice: { type: 'function', function: { name: 'lookup' } } }).body.tool_choice).toEqual({ type: 'tool', name: 'lookup' });
    expect(convert({ ...base, parallel_tool_calls: false }).body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(convert({ messages: [user('Hi')], max_tokens: 5, tool_choice: 'auto' }).body).not.toHaveProperty('tool_choice');
  });

  it('answers json_schema through a forced tool named after the schema', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const format = { type: 'json_schema' as const, json_schema: { name: 'city_answer', schema, strict: true } };
    const alone = convert({ messages: [user('Capital of France?')], max_tokens: 50, response_format: format });
    expect(alone.responseToolName).toBe('city_answer');
    expect(alone.body.tools).toEqual([{ name: 'city_answer', description: 'Respond with a JSON object that matches this schema.', input_schema: schema }]);
    expect(alone.body.tool_choice).toEqual({ type: 'tool', name: 'city_answer', disable_parallel_tool_use: true });
    expect(alone.warnings).toEqual([]);

    const withTools = convert({
      messages: [user('Capital of the user country?')],
      max_tokens: 50,
      response_format: format,
      tools: [{ type: 'function', function: { name: 'get_user_country' } }],
    });
    expect(withTools.body.tools?.map((tool) => tool.name)).toEqual(['get_user_country', 'city_answer']);
    expect(withTools.body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });

    const clash = { ...format, json_schema: { ...format.json_schema, name: 'get_user_country' } };
    expect(() => convert({ messages: [user('x')], response_format: clash, tools: [{ type: 'function', function: { name: 'get_user_country' } }] })).toThrow(
      GatewayError,
    );
  });

  it('asks for JSON in the system prompt for json_object, with a warning', () => {
    const { body, warnings, responseToolName } = convert({ messages: [user('List 3 colours')], max_tokens: 50, response_format: { type: 'json_object' } });
    expect(body.system).toEqual([{ type: 'text', text: 'Respond with a single valid JSON object and nothing else.' }]);
    expect(responseToolName).toBeNull();
    expect(warnings).toEqual([
      'response_format json_object is not supported by Anthropic (no JSON mode): JSON was asked for in the system prompt but is not guaranteed',
    ]);
  });

  it('turns reasoning_effort into a thinking budget below max_tokens', () => {
    expect(convert({ messages: [user('Hi')], max_tokens: 8000, reasoning_effort: 'low' }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(convert({ messages: [user('Hi')], max_tokens: 20000, reasoning_effort: 'high' }).body.thinking?.budget_tokens).toBe(16384);

    const { body, warnings } = convert({ messages: [user('Hi')], max_tokens: 2000, reasoning_effort: 'medium', temperature: 0.2 });
    expect(body).toMatchObject({ max_tokens: 6096, thinking: { type: 'enabled', budget_tokens: 4096 } });
    expect(body).not.toHaveProperty('temperature');
    expect(warnings).toEqual([
      'max_tokens was raised from 2000 to 6096: Anthropic needs it above the thinking budget of 4096 tokens (reasoning_effort medium)',
      'temperature was not sent: Anthropic models do not accept it while thinking (reasoning_effort)',
    ]);
    expect(convert({ messages: [user('Hi')], max_tokens: 5, reasoning_effort: 'none' }).body).not.toHaveProperty('thinking');
  });

  it('does not think while a tool call is forced', () => {
    const { body, warnings } = convert({
      messages: [user('Hi')],
      max_tokens: 5000,
      reasoning_effort: 'low',
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'required',
    });
    expect(body).not.toHaveProperty('thinking');
    expect(warnings).toEqual(['reasoning_effort was not sent: Anthropic models cannot think while a tool call is forced (by tool_choice)']);
  });

  it('sends user as metadata.user_id and warns for each parameter it cannot honour', () => {
    const { body, warnings } = convert({
      messages: [user('Hi')],
      max_tokens: 5,
      user: 'user-42',
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      seed: 7,
      logit_bias: { '50256': -100 },
      prediction: { type: 'content', content: 'x' },
    });
    expect(body.metadata).toEqual({ user_id: 'user-42' });
    expect(body).not.toHaveProperty('n');
    expect(body).not.toHaveProperty('seed');
    expect(warnings).toEqual([
      'n=2 is not supported by Anthropic: one choice was generated',
      'logprobs is not supported by Anthropic and was not sent',
      'top_logprobs is not supported by Anthropic and was not sent',
      'presence_penalty is not supported by Anthropic and was not sent',
      'frequency_penalty is not supported by Anthropic and was not sent',
      'seed is not supported by Anthropic and was not sent',
      'logit_bias is not supported by Anthropic and was not sent',
      'prediction is not supported by Anthropic and was not sent',
    ]);
  });

  it('does not warn for parameters left at their neutral value', () => {
    const { warnings } = convert({
      messages: [user('Hi')],
      max_tokens: 5,
      n: 1,
      logprobs: false,
      presence_penalty: 0,
      frequency_penalty: 0,
      logit_bias: {},
      stream_options: { include_usage: true },
      service_tier: 'auto',
    });
    expect(warnings).toEqual([]);
  });
});

describe('prompt caching', () => {
  it('passes cache_control of text parts through as Anthropic cache breakpoints', () => {
    const { body } = convert({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Long policy text', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
        { role: 'user', content: [{ type: 'text', text: 'Question', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'plain' }] },
      ],
    });
    expect(body.system).toEqual([{ type: 'text', text: 'Long policy text', cache_control: { type: 'ephemeral', ttl: '1h' } }]);
    expect(body.messages[0]?.content).toEqual([
      { type: 'text', text: 'Question', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'plain' },
    ]);
  });
});
