import { readFileSync } from 'node:fs';
import { chatCompletionResponseSchema, type ChatCompletionResponse, type FinishReason } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { convertOpenAIToMessagesResponse, convertToAnthropicUsage, mapFinishReasonToStopReason } from './convert-openai-to-messages-response.js';

const fixtures = new URL('../../../fixtures/providers/openai/', import.meta.url);
const readFixture = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');
const recordedText = chatCompletionResponseSchema.parse(JSON.parse(readFixture('openai-text.json')));
const toolCassette = parseYaml(readFixture('test_openai_tool_output.yaml')) as { interactions: Array<{ response: { parsed_body: unknown } }> };
const recordedToolCall = chatCompletionResponseSchema.parse(toolCassette.interactions[0]!.response.parsed_body);

function response(message: Partial<ChatCompletionResponse['choices'][number]['message']>, finishReason: FinishReason | null = 'stop'): ChatCompletionResponse {
  return {
    id: 'chatcmpl-abc',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-x',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finishReason }],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 } },
  };
}

describe('convertOpenAIToMessagesResponse', () => {
  it('converts the recorded text completion (openai-text.json)', () => {
    const { message, warnings } = convertOpenAIToMessagesResponse(recordedText);
    expect(message).toEqual({
      id: 'msg_D8Z5f52zQqikDBEKQMQoYcWMcWPeU',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4.1-nano-2025-04-14',
      content: [{ type: 'text', text: recordedText.choices[0]!.message.content }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 16, output_tokens: 363, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(warnings).toEqual([]);
  });

  it('converts the recorded tool call (test_openai_tool_output.yaml) into a tool_use block with parsed input', () => {
    const { message } = convertOpenAIToMessagesResponse(recordedToolCall);
    expect(message.content).toEqual([{ type: 'tool_use', id: 'call_iXFttys57ap0o16JSlC8yhYo', name: 'get_user_country', input: {} }]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('puts thinking first, then text, then tool calls; cached input is split out of input_tokens', () => {
    const { message } = convertOpenAIToMessagesResponse(
      response(
        {
          content: 'Let me look.',
          reasoning_content: 'The user wants weather.',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":[1,2]}' } }],
        },
        'tool_calls',
      ),
    );
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'The user wants weather.', signature: '' },
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } },
    ]);
    expect(message.usage).toEqual({ input_tokens: 40, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 60 });
  });

  it('sends {} with a warning when tool arguments are not a JSON object', () => {
    const { message, warnings } = convertOpenAIToMessagesResponse(
      response({ tool_calls: [{ id: 'c', type: 'function', function: { name: 'broken', arguments: '{"city": "Par' } }] }, 'tool_calls'),
    );
    expect(message.content).toEqual([{ type: 'tool_use', id: 'c', name: 'broken', input: {} }]);
    expect(warnings).toEqual(['the arguments of the broken tool call were not a JSON object; input {} was sent']);
  });

  it('a refusal is the text of a refusal stop', () => {
    const { message } = convertOpenAIToMessagesResponse(response({ refusal: 'I cannot help with that.' }));
    expect(message.content).toEqual([{ type: 'text', text: 'I cannot help with that.' }]);
    expect(message.stop_reason).toBe('refusal');
  });

  it('maps every finish reason', () => {
    expect(mapFinishReasonToStopReason('stop')).toBe('end_turn');
    expect(mapFinishReasonToStopReason(null)).toBe('end_turn');
    expect(mapFinishReasonToStopReason('length')).toBe('max_tokens');
    expect(mapFinishReasonToStopReason('tool_calls')).toBe('tool_use');
    expect(mapFinishReasonToStopReason('function_call')).toBe('tool_use');
    expect(mapFinishReasonToStopReason('content_filter')).toBe('refusal');
  });

  it('reports zero usage when the upstream sent none', () => {
    expect(convertToAnthropicUsage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });
});
