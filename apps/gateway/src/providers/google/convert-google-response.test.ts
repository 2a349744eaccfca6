import { readFileSync } from 'node:fs';
import { chatCompletionResponseSchema, type NormalizedUsage } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { googleGenerateContentResponseSchema } from './google-api.js';
import { convertGoogleResponse } from './convert-google-response.js';
import { convertGoogleUsage } from './convert-google-usage.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';

const fixtures = new URL('../../../fixtures/providers/', import.meta.url);
const readText = (path: string): string => readFileSync(new URL(path, fixtures), 'utf8');

interface Cassette {
  interactions: { response: { parsed_body?: unknown } }[];
}
const recordedBody = (path: string, turn = 0): unknown => (parse(readText(path)) as Cassette).interactions[turn]?.response.parsed_body;

function convert(json: unknown) {
  const result = convertGoogleResponse(googleGenerateContentResponseSchema.parse(json), { upstreamModel: 'upstream-model', now: 1_700_000_000 });
  expect(chatCompletionResponseSchema.parse(result.body)).toEqual(result.body);
  return result;
}

const usage = (input: number, text: number, reasoning: number, cacheRead = 0): NormalizedUsage => ({
  input: { total: input, noCache: input - cacheRead, cacheRead, cacheWrite: 0 },
  output: { total: text + reasoning, text, reasoning },
});

describe('convertGoogleResponse', () => {
  it('converts gemini/google-text.json, counting thoughts as output', () => {
    const result = convert(JSON.parse(readText('gemini/google-text.json')));
    expect(result.body).toMatchObject({
      id: 'Un6LacrVMcjUxs0PmJfWoQc',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gemini-3-pro-preview',
      choices: [{ index: 0, message: { role: 'assistant', content: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y." }, finish_reason: 'stop' }],
    });
    expect(result.usage).toEqual(usage(9, 28, 244));
    // The OpenAI usage adds up to Google's own totalTokenCount.
    expect(result.body.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 272,
      total_tokens: 281,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 244 },
    });
    expect(result.warnings).toEqual([]);
  });

  it('converts a function call to tool_calls with a generated id (gemini/google-tool-call.json)', () => {
    const result = convert(JSON.parse(readText('gemini/google-tool-call.json')));
    const message = result.body.choices[0]?.message;
    expect(message?.content).toBeNull();
    expect(message?.tool_calls).toEqual([{ id: expect.stringMatching(/^call_[0-9a-f]{24}$/), type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }]);
    expect(result.finishReason).toBe('tool_calls');
    expect(result.usage).toEqual(usage(29, 15, 893));
    expect(result.body.usage?.total_tokens).toBe(937);
  });

  it('converts gemini/test_google_model.yaml', () => {
    const result = convert(recordedBody('gemini/test_google_model.yaml'));
    expect(result.body.choices[0]?.message.content).toBe('Hello! How can I help you today?');
    expect(result.body.model).toBe('gemini-2.5-flash');
    expect(result.usage).toEqual(usage(9, 9, 34));
    expect(result.body.usage?.total_tokens).toBe(52);
  });

  it('converts both turns of gemini/test_google_tool_output.yaml', () => {
    const first = convert(recordedBody('gemini/test_google_tool_output.yaml', 0));
    expect(first.body.choices[0]?.message.tool_calls?.[0]?.function).toEqual({ name: 'get_user_country', arguments: '{}' });
    expect(first.usage).toEqual(usage(33, 5, 0));
    const second = convert(recordedBody('gemini/test_google_tool_output.yaml', 1));
    expect(JSON.parse(second.body.choices[0]?.message.tool_calls?.[0]?.function.arguments ?? '')).toEqual({ city: 'Mexico City', country: 'Mexico' });
    expect(second.finishReason).toBe('tool_calls');
    expect(second.usage).toEqual(usage(47, 8, 0));
  });

  it('converts the Vertex responses, taking created from createTime', () => {
    const text = convert(recordedBody('vertex/test_google_model_vertex_provider.yaml'));
    expect(text.body).toMatchObject({
      id: '1VpeaKq4CfH_2PgPh_z--AY',
      created: Math.floor(Date.parse('2025-06-27T08:48:21.154666Z') / 1000),
      model: 'gemini-2.0-flash',
      choices: [{ message: { content: 'The capital of France is Paris.\n' }, finish_reason: 'stop' }],
    });
    expect(text.usage).toEqual(usage(13, 8, 0));

    const tool = convert(recordedBody('vertex/test_model_sees_multiple_images[google_vertex].yaml', 0));
    expect(tool.body.choices[0]?.message.tool_calls?.[0]?.function).toEqual({ name: 'get_images', arguments: '{}' });
    expect(tool.finishReason).toBe('tool_calls');
    expect(tool.usage).toEqual(usage(26, 7, 68));
    expect(tool.body.usage?.total_tokens).toBe(101);
  });

  it('ends a safety-blocked answer with content_filter (gemini/test_google_model_safety_settings.yaml)', () => {
    const result = convert(recordedBody('gemini/test_google_model_safety_settings.yaml'));
    expect(result.body.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }]);
    expect(result.usage).toEqual(usage(14, 0, 0));
  });

  it('ends a Model Armor block with content_filter, keeping its usage (vertex/…model_armor…real_block.yaml)', () => {
    const result = convert(recordedBody('vertex/test_google_model_armor_response_template_real_block.yaml'));
    expect(result.body.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }]);
    expect(result.usage).toEqual(usage(19, 6, 27));
    expect(result.body.usage?.total_tokens).toBe(52);
  });

  it('answers a blocked prompt (promptFeedback.blockReason, no candidates) with content_filter', () => {
    const result = convert({
      promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
      usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'blocked-1',
    });
    expect(result.body.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }]);
    expect(result.finishReason).toBe('content_filter');
    expect(result.usage).toEqual(usage(8, 0, 0));
  });

  it('returns thought parts as reasoning_content, several candidates as choices, and reports inline data', () => {
    const result = convert({
      candidates: [
        { index: 1, content: { role: 'model', parts: [{ text: 'Second' }] }, finishReason: 'MAX_TOKENS' },
        {
          index: 0,
          content: {
            role: 'model',
            parts: [
              { text: 'Counting the letters.', thought: true },
              { text: 'Three', thoughtSignature: 'abc' },
              { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
              { executableCode: { language: 'PYTHON', code: 'print(1)' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    });
    expect(result.body.id).toMatch(/^chatcmpl-/);
    expect(result.body.model).toBe('upstream-model');
    expect(result.body.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: 'Three', reasoning_content: 'Counting the letters.' }, finish_reason: 'stop' },
      { index: 1, message: { role: 'assistant', content: 'Second' }, finish_reason: 'length' },
    ]);
    expect(result.usage).toBeNull();
    expect(result.body.usage).toBeUndefined();
    expect(result.warnings).toEqual(['the response held inline data (image/png) that has no chat-completions form; it was left out']);
  });
});

describe('convertGoogleUsage', () => {
  it('counts cached content inside the prompt and thoughts as output', () => {
    expect(
      convertGoogleUsage({ promptTokenCount: 1000, cachedContentTokenCount: 800, candidatesTokenCount: 50, thoughtsTokenCount: 10, totalTokenCount: 1060 }),
    ).toEqual(usage(1000, 50, 10, 800));
  });
});

describe('mapGoogleFinishReason', () => {
  it('maps Google finish reasons', () => {
    expect(mapGoogleFinishReason(undefined, false)).toBeNull();
    expect(mapGoogleFinishReason('STOP', false)).toBe('stop');
    expect(mapGoogleFinishReason('STOP', true)).toBe('tool_calls');
    expect(mapGoogleFinishReason('MAX_TOKENS', true)).toBe('length');
    for (const reason of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'MODEL_ARMOR', 'IMAGE_SAFETY']) {
      expect(mapGoogleFinishReason(reason, false)).toBe('content_filter');
    }
    expect(mapGoogleFinishReason('MALFORMED_FUNCTION_CALL', false)).toBe('stop');
    expect(mapGoogleFinishReason('SOMETHING_NEW', false)).toBe('stop');
  });
});
