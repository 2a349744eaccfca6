import { readFileSync } from 'node:fs';
import { chatCompletionResponseSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bedrockConverseResponseSchema } from './bedrock-api.js';
import { convertBedrockResponse } from './convert-bedrock-response.js';
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.js';

const fixtures = new URL('../../../fixtures/providers/bedrock/', import.meta.url);
const readFixture = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');

/** A recorded Converse response body, parsed with our wire schema as the adapter does. */
function recordedResponse(name: string, turn = 0) {
  const cassette = parse(readFixture(name)) as { interactions: { response: { parsed_body: unknown } }[] };
  return bedrockConverseResponseSchema.parse(cassette.interactions[turn]?.response.parsed_body);
}

const options = { id: 'chatcmpl-1', model: 'us.amazon.nova-micro-v1:0', responseToolName: null, now: 1_700_000_000 };

describe('convertBedrockResponse on recorded responses', () => {
  it('converts test_bedrock_model.yaml: text, end_turn, 7 + 30 tokens', () => {
    const result = convertBedrockResponse(recordedResponse('test_bedrock_model.yaml'), options);
    expect(chatCompletionResponseSchema.parse(result.body)).toEqual(result.body);
    expect(result.body).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'us.amazon.nova-micro-v1:0',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: "Hello! How can I assist you today? Whether you have questions, need information, or just want to chat, I'm here to help.",
          },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 30, total_tokens: 37, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(result.usage).toEqual({ input: { total: 7, noCache: 7, cacheRead: 0, cacheWrite: 0 }, output: { total: 30, text: 30, reasoning: 0 } });
  });

  it('converts the toolUse turn of test_bedrock_model_retry.yaml: text + tool call, tool_calls, 426 + 66 tokens', () => {
    const result = convertBedrockResponse(recordedResponse('test_bedrock_model_retry.yaml'), options);
    const message = result.body.choices[0]?.message;
    expect(message?.content).toMatch(/^<thinking> To determine the capital of France/);
    expect(message?.tool_calls).toEqual([
      { id: 'tooluse_Ze_bgl9CSqu8aJv7XD-_Dw', type: 'function', function: { name: 'get_capital', arguments: '{"country":"France"}' } },
    ]);
    expect(result.finishReason).toBe('tool_calls');
    expect(result.usage).toEqual({ input: { total: 426, noCache: 426, cacheRead: 0, cacheWrite: 0 }, output: { total: 66, text: 66, reasoning: 0 } });
  });

  it('converts the answer after the tool result (retry turn 2): 531 + 76 tokens', () => {
    const result = convertBedrockResponse(recordedResponse('test_bedrock_model_retry.yaml', 1), options);
    expect(result.body.choices[0]?.message.content).toMatch(/The capital of France is Paris\./);
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual({ input: { total: 531, noCache: 531, cacheRead: 0, cacheWrite: 0 }, output: { total: 76, text: 76, reasoning: 0 } });
  });

  it('reports the cache write, then the cache read of test_bedrock_cache_write_and_read.yaml (inputTokens excludes both)', () => {
    const write = convertBedrockResponse(recordedResponse('test_bedrock_cache_write_and_read.yaml', 0), options);
    const read = convertBedrockResponse(recordedResponse('test_bedrock_cache_write_and_read.yaml', 1), options);
    expect(write.body.choices[0]?.message.content).toBe('21');
    expect(write.usage).toEqual({ input: { total: 1324, noCache: 2, cacheRead: 0, cacheWrite: 1322 }, output: { total: 5, text: 5, reasoning: 0 } });
    expect(read.usage).toEqual({ input: { total: 1324, noCache: 2, cacheRead: 1322, cacheWrite: 0 }, output: { total: 5, text: 5, reasoning: 0 } });
    // Bedrock's own totalTokens (1329) is the sum of all three input kinds and the output.
    expect(write.body.usage).toMatchObject({ prompt_tokens: 1324, completion_tokens: 5, total_tokens: 1329 });
    expect(read.body.usage).toMatchObject({ total_tokens: 1329, prompt_tokens_details: { cached_tokens: 1322 } });
  });

  it('converts amazon-bedrock-text.json (zero cache counts in both spellings): 22 + 57 tokens', () => {
    const result = convertBedrockResponse(bedrockConverseResponseSchema.parse(JSON.parse(readFixture('amazon-bedrock-text.json'))), options);
    expect(result.body.choices[0]?.message.content).toMatch(/^Let me count the "r"s in "strawberry"/);
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual({ input: { total: 22, noCache: 22, cacheRead: 0, cacheWrite: 0 }, output: { total: 57, text: 57, reasoning: 0 } });
  });

  it('reads a response with a guardrail trace (test_bedrock_model_guardrail_config.yaml)', () => {
    const result = convertBedrockResponse(recordedResponse('test_bedrock_model_guardrail_config.yaml'), options);
    expect(result.body.choices[0]?.message.content).toMatch(/^The capital of France is Paris\./);
    expect(result.finishReason).toBe('stop');
  });
});

describe('convertBedrockResponse', () => {
  const response = (content: unknown[], stopReason = 'end_turn') =>
    bedrockConverseResponseSchema.parse({ output: { message: { role: 'assistant', content } }, stopReason, usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 1 } });

  it('turns reasoning into reasoning_content and skips blocks it does not know', () => {
    const result = convertBedrockResponse(
      response([{ reasoningContent: { reasoningText: { text: 'Think.', signature: 'sig' } } }, { reasoningContent: { redactedContent: 'AAA=' } }, { citationsContent: {} }, { text: 'Hi' }]),
      options,
    );
    expect(result.body.choices[0]?.message).toEqual({ role: 'assistant', content: 'Hi', reasoning_content: 'Think.' });
  });

  it('makes the json_schema answer tool the content, with finish_reason stop', () => {
    const result = convertBedrockResponse(
      response([{ text: 'Here it is:' }, { toolUse: { toolUseId: 't1', name: 'answer', input: { city: 'Paris' } } }], 'tool_use'),
      { ...options, responseToolName: 'answer' },
    );
    expect(result.body.choices[0]?.message).toEqual({ role: 'assistant', content: '{"city":"Paris"}' });
    expect(result.finishReason).toBe('stop');
  });

  it('maps every stop reason', () => {
    expect(
      ['end_turn', 'stop_sequence', 'max_tokens', 'model_context_window_exceeded', 'tool_use', 'guardrail_intervened', 'content_filtered', 'something_new', null].map(
        mapBedrockFinishReason,
      ),
    ).toEqual(['stop', 'stop', 'length', 'length', 'tool_calls', 'content_filter', 'content_filter', 'stop', null]);
  });
});
