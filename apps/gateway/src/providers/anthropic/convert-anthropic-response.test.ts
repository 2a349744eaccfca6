import { readFileSync } from 'node:fs';
import { chatCompletionResponseSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { anthropicMessageSchema } from './anthropic-api.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

const fixtures = new URL('../../../fixtures/providers/anthropic/', import.meta.url);

function readBody(name: string) {
  return anthropicMessageSchema.parse(JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')));
}

function readCassetteBody(name: string, interaction: number) {
  const cassette = parse(readFileSync(new URL(name, fixtures), 'utf8'));
  return anthropicMessageSchema.parse(cassette.interactions[interaction].response.parsed_body);
}

const plain = { responseToolName: null, now: 1_700_000_000 };

describe('convertAnthropicResponse', () => {
  it('converts a text reply (anthropic-text.json)', () => {
    const { body, usage, finishReason } = convertAnthropicResponse(readBody('anthropic-text.json'), plain);
    expect(chatCompletionResponseSchema.parse(body)).toEqual(body);
    expect(body).toEqual({
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
          },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 12,
        completion_tokens: 29,
        total_tokens: 41,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    expect(finishReason).toBe('stop');
    expect(usage).toEqual({ input: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, output: { total: 29, text: 29, reasoning: 0 } });
  });

  it('converts text plus a tool call without arguments (anthropic-tool-no-args.json)', () => {
    const { body, usage, finishReason } = convertAnthropicResponse(readBody('anthropic-tool-no-args.json'), plain);
    const message = body.choices[0]?.message;
    expect(message?.content).toMatch(/^<thinking>\nThe updateIssueList tool/);
    expect(message?.content).toMatch(/Okay, I will update the current issue list:$/);
    expect(message?.tool_calls).toEqual([
      { id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', type: 'function', function: { name: 'updateIssueList', arguments: '{}' } },
    ]);
    expect(finishReason).toBe('tool_calls');
    expect(body.choices[0]?.finish_reason).toBe('tool_calls');
    expect(usage.input.total).toBe(602);
    expect(usage.output.total).toBe(93);
  });

  it('reports cache reads and writes exactly as recorded (test_anthropic_cache_real_api.yaml)', () => {
    const first = convertAnthropicResponse(readCassetteBody('test_anthropic_cache_real_api.yaml', 0), plain);
    expect(first.usage).toEqual({ input: { total: 1114, noCache: 3, cacheRead: 1111, cacheWrite: 0 }, output: { total: 406, text: 406, reasoning: 0 } });

    const second = convertAnthropicResponse(readCassetteBody('test_anthropic_cache_real_api.yaml', 1), plain);
    expect(second.usage).toEqual({ input: { total: 1532, noCache: 3, cacheRead: 1111, cacheWrite: 418 }, output: { total: 33, text: 33, reasoning: 0 } });
    expect(second.body.usage).toEqual({
      prompt_tokens: 1532,
      completion_tokens: 33,
      total_tokens: 1565,
      prompt_tokens_details: { cached_tokens: 1111 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(second.body.choices[0]?.message.content).toMatch(/^Python is a beginner-friendly/);
  });

  it('turns the json_schema answer tool into content (test_anthropic_tool_output.yaml)', () => {
    const jsonMode = { responseToolName: 'final_result' };
    const answer = convertAnthropicResponse(readCassetteBody('test_anthropic_tool_output.yaml', 1), jsonMode);
    expect(JSON.parse(answer.body.choices[0]?.message.content ?? '')).toEqual({ city: 'Mexico City', country: 'Mexico' });
    expect(answer.body.choices[0]?.message).not.toHaveProperty('tool_calls');
    expect(answer.finishReason).toBe('stop');

    // The first turn called one of the client's tools: that stays a tool call.
    const toolTurn = convertAnthropicResponse(readCassetteBody('test_anthropic_tool_output.yaml', 0), jsonMode);
    expect(toolTurn.body.choices[0]?.message).toMatchObject({
      content: null,
      tool_calls: [{ id: 'toolu_01X9wcHKKAZD9tBC711xipPa', function: { name: 'get_user_country', arguments: '{}' } }],
    });
    expect(toolTurn.finishReason).toBe('tool_calls');
  });

  it('returns thinking as reasoning_content and skips redacted thinking and unknown blocks', () => {
    const message = anthropicMessageSchema.parse({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-20250514',
      content: [
        { type: 'thinking', thinking: 'Cross at a crossing.', signature: 'EvMC' },
        { type: 'redacted_thinking', data: 'EmwK' },
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
        { type: 'text', text: 'Use the ', citations: [] },
        { type: 'text', text: 'crossing.' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 43, output_tokens: 282 },
    });
    const { body } = convertAnthropicResponse(message, plain);
    expect(body.choices[0]?.message).toEqual({ role: 'assistant', content: 'Use the crossing.', reasoning_content: 'Cross at a crossing.' });
  });

  it('rejects a malformed known block', () => {
    const result = anthropicMessageSchema.safeParse({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text' }], usage: { input_tokens: 1, output_tokens: 1 },
    });
    expect(result.success).toBe(false);
  });
});

describe('convertAnthropicUsage', () => {
  it('treats missing cache fields as zero', () => {
    expect(convertAnthropicUsage({ input_tokens: 11, output_tokens: 6 })).toEqual({
      input: { total: 11, noCache: 11, cacheRead: 0, cacheWrite: 0 },
      output: { total: 6, text: 6, reasoning: 0 },
    });
  });
});

describe('mapAnthropicFinishReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['some_future_reason', 'stop'],
    [null, null],
  ] as const)('%s → %s', (stopReason, finishReason) => {
    expect(mapAnthropicFinishReason(stopReason)).toBe(finishReason);
  });
});
