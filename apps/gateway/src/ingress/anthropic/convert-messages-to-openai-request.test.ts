import { GatewayError } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { messagesRequestSchema } from './anthropic-messages-api.js';
import { convertMessagesToOpenAIRequest, mapThinkingBudget } from './convert-messages-to-openai-request.js';

/** Requests go through the route's schema first, as in production. */
function convert(body: Record<string, unknown>) {
  return convertMessagesToOpenAIRequest(messagesRequestSchema.parse({ model: 'gpt-4o-mini', max_tokens: 100, ...body }));
}

function convertError(body: Record<string, unknown>): GatewayError {
  try {
    convert(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

const user = (content: unknown) => ({ role: 'user', content });
const hello = [user('Hello')];

describe('convertMessagesToOpenAIRequest', () => {
  it('maps the basic parameters and sends nothing it was not given', () => {
    const { request, warnings } = convert({
      system: 'Be brief.',
      messages: hello,
      stop_sequences: ['END', 'STOP'],
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      metadata: { user_id: 'user-1' },
    });
    expect(request).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 100,
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END', 'STOP'],
      user: 'user-1',
    });
    expect(warnings).toEqual([]);
  });

  it('keeps system blocks (and their cache breakpoints) as text parts; system turns stay system messages', () => {
    const { request } = convert({
      system: [{ type: 'text', text: 'Policy', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Rules' }],
      messages: [...hello, { role: 'system', content: 'Now answer in French.' }],
    });
    expect(request.messages[0]).toEqual({
      role: 'system',
      content: [{ type: 'text', text: 'Policy', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Rules' }],
    });
    expect(request.messages[2]).toEqual({ role: 'system', content: 'Now answer in French.' });
  });

  it('turns images into image_url parts (data URLs for base64) and PDFs into file parts', () => {
    const { request } = convert({
      messages: [
        user([
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBER' }, title: 'report.pdf' },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes' }, title: 'Notes' },
        ]),
      ],
    });
    expect(request.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBER' } },
        { type: 'text', text: 'Notes\n\nPlain notes' },
      ],
    });
  });

  it('refuses what only Anthropic can read: Files API ids, document URLs, server-tool blocks', () => {
    expect(convertError({ messages: [user([{ type: 'image', source: { type: 'file', file_id: 'file_1' } }])] }).param).toBe('messages[0].content[0].source');
    expect(convertError({ messages: [user([{ type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } }])] }).message).toContain('url document sources');
    const serverBlock = convertError({ messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 's1', name: 'web_search', input: {} }] }] });
    expect(serverBlock).toMatchObject({ code: 'invalid_request', status: 400, param: 'messages[0].content[0].type' });
  });

  it('converts a tool round trip: tool_use → tool_calls, tool_result → a tool message before the user text', () => {
    const { request, warnings } = convert({
      messages: [
        user('Weather in Paris?'),
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'I should call the tool.', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        user([
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'Sunny' }, { type: 'text', text: '21 °C' }] },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'noon', is_error: true },
          { type: 'text', text: 'Thanks!' },
        ]),
      ],
    });
    expect(request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'I should call the tool.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny\n21 °C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'noon' },
      { role: 'user', content: 'Thanks!' },
    ]);
    expect(warnings).toEqual(['tool_result.is_error has no OpenAI-format equivalent: the error was sent as plain tool output']);
  });

  it('moves images out of tool results into a user message after them, and says so', () => {
    const { request, warnings } = convert({
      messages: [
        user('Take a screenshot'),
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'screenshot', input: {} }] },
        user([{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'done' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA' } }] }]),
      ],
    });
    expect(request.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'done' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] },
    ]);
    expect(warnings[0]).toContain('sent in a user message after the tool results');
  });

  it('drops redacted thinking with a warning', () => {
    const { request, warnings } = convert({
      messages: [...hello, { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'xyz' }, { type: 'text', text: 'Hi' }] }],
    });
    expect(request.messages[1]).toEqual({ role: 'assistant', content: 'Hi' });
    expect(warnings).toEqual(['redacted_thinking blocks are encrypted for Anthropic models only and were not sent']);
  });

  it('converts custom tools and every tool_choice', () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const expectedTools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: tools[0]!.input_schema } }];
    expect(convert({ messages: hello, tools }).request).toMatchObject({ tools: expectedTools });
    expect(convert({ messages: hello, tools }).request.tool_choice).toBeUndefined();
    expect(convert({ messages: hello, tools, tool_choice: { type: 'auto' } }).request.tool_choice).toBe('auto');
    expect(convert({ messages: hello, tools, tool_choice: { type: 'none' } }).request.tool_choice).toBe('none');
    expect(convert({ messages: hello, tools, tool_choice: { type: 'any', disable_parallel_tool_use: true } }).request).toMatchObject({
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(convert({ messages: hello, tools, tool_choice: { type: 'tool', name: 'get_weather' } }).request.tool_choice).toEqual({
      type: 'function',
      function: { name: 'get_weather' },
    });
    expect(convertError({ messages: hello, tool_choice: { type: 'any' } }).param).toBe('tool_choice');
  });

  it('refuses server tools with a clear message, and warns about tool cache breakpoints', () => {
    const error = convertError({ messages: hello, tools: [{ type: 'web_search_20250305', name: 'web_search' }] });
    expect(error).toMatchObject({ param: 'tools[0]', status: 400 });
    expect(error.message).toContain('web_search_20250305 runs on Anthropic');
    const { warnings } = convert({
      messages: hello,
      tools: [{ name: 'lookup', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
    });
    expect(warnings).toEqual(['cache_control on tools was not sent: tool cache breakpoints exist only at Anthropic']);
  });

  it('maps a thinking budget to reasoning_effort, with a warning; an effort level maps directly', () => {
    expect([1024, 2048, 4096, 10000, 16384, 32000].map(mapThinkingBudget)).toEqual(['low', 'low', 'medium', 'medium', 'high', 'high']);
    const thinking = convert({ messages: hello, max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 4096 } });
    expect(thinking.request.reasoning_effort).toBe('medium');
    expect(thinking.warnings).toEqual(['thinking.budget_tokens 4096 was sent as reasoning_effort medium: this provider takes an effort level, not a token budget']);
    expect(convert({ messages: hello, thinking: { type: 'disabled' } }).request.reasoning_effort).toBeUndefined();
    expect(convert({ messages: hello, thinking: { type: 'adaptive' } }).request.reasoning_effort).toBeUndefined();
    expect(convert({ messages: hello, output_config: { effort: 'low' } })).toEqual(expect.objectContaining({ warnings: [] }));
    expect(convert({ messages: hello, output_config: { effort: 'low' } }).request.reasoning_effort).toBe('low');
    const max = convert({ messages: hello, output_config: { effort: 'max' } });
    expect(max.request.reasoning_effort).toBe('high');
    expect(max.warnings[0]).toContain('output_config.effort max');
  });

  it('turns a JSON output format into response_format json_schema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    expect(convert({ messages: hello, output_config: { format: { type: 'json_schema', schema } } }).request.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema },
    });
  });

  it('names every Anthropic-only parameter it did not send', () => {
    const body: Record<string, unknown> = {
      messages: hello,
      top_k: 5,
      service_tier: 'standard_only',
      container: 'container_1',
      mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }],
    };
    const { request, warnings } = convert(body);
    expect(request).not.toHaveProperty('top_k');
    expect(request).not.toHaveProperty('container');
    expect(warnings).toEqual([
      'top_k has no OpenAI-format equivalent and was not sent',
      'service_tier standard_only is an Anthropic setting and was not sent',
      'container has no equivalent outside Anthropic and was not sent',
      'mcp_servers has no equivalent outside Anthropic and was not sent',
    ]);
  });
});
