import { readFileSync } from 'node:fs';
import { GatewayError, chatCompletionRequestSchema, type ChatCompletionRequest } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertToGoogleRequest } from './convert-to-google-request.js';

const fixtures = new URL('../../../fixtures/providers/gemini/', import.meta.url);

interface Cassette {
  interactions: { request: { parsed_body: Record<string, unknown> } }[];
}
const recordedRequest = (name: string, turn = 0): Record<string, unknown> =>
  (parse(readFileSync(new URL(name, fixtures), 'utf8')) as Cassette).interactions[turn]?.request.parsed_body ?? {};

function convert(request: Partial<ChatCompletionRequest>, upstreamModel = 'gemini-2.5-flash') {
  const parsed = chatCompletionRequestSchema.parse({ model: 'gemini', messages: [{ role: 'user', content: 'Hi' }], ...request });
  return convertToGoogleRequest(parsed, { upstreamModel });
}

describe('convertToGoogleRequest', () => {
  it('sends system and user messages as pydantic-ai recorded them (test_google_model.yaml)', () => {
    const recorded = recordedRequest('test_google_model.yaml');
    const { body, warnings } = convert({
      messages: [
        { role: 'system', content: 'You are a chatbot.' },
        { role: 'user', content: 'Hello!' },
      ],
    });
    expect(body.contents).toEqual(recorded.contents);
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'You are a chatbot.' }] });
    expect(body.generationConfig).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('sends temperature 0 (test_google_model_stream.yaml)', () => {
    const recorded = recordedRequest('test_google_model_stream.yaml');
    const { body } = convert({
      temperature: 0,
      messages: [
        { role: 'system', content: 'You are a helpful chatbot.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
    });
    expect(body.generationConfig).toEqual(recorded.generationConfig);
    expect(body.contents).toEqual(recorded.contents);
  });

  it('replays a tool call and its result with the function name (test_google_tool_output.yaml, turn 2)', () => {
    const recorded = recordedRequest('test_google_tool_output.yaml', 1) as { contents: unknown[] };
    const { body, warnings } = convert({
      messages: [
        { role: 'user', content: 'What is the largest city in the user country?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_user_country', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Mexico' },
      ],
      tools: [
        { type: 'function', function: { name: 'get_user_country', description: '', parameters: { type: 'object', properties: {} } } },
        {
          type: 'function',
          function: {
            name: 'final_result',
            description: 'The final response which ends this conversation',
            parameters: { type: 'object', properties: { city: { type: 'string' }, country: { type: 'string' } }, required: ['city', 'country'] },
          },
        },
      ],
      tool_choice: 'required',
    });
    expect(body.contents[0]).toEqual(recorded.contents[0]);
    // pydantic-ai also sends its own call ids; Google matches results to calls by name and order, so we send none.
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [{ functionCall: { name: 'get_user_country', args: {} }, thoughtSignature: 'skip_thought_signature_validator' }],
    });
    expect(body.contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'get_user_country', response: { content: 'Mexico' } } }] });
    expect(body.tools?.[0].functionDeclarations.map((declaration) => declaration.name)).toEqual(['get_user_country', 'final_result']);
    expect(body.tools?.[0].functionDeclarations[1]?.parametersJsonSchema).toMatchObject({ required: ['city', 'country'] });
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(warnings).toEqual([]);
  });

  it('merges the results of parallel calls into one user turn, signature on the first call only', () => {
    const { body } = convert({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: 'rain' }] },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'skip_thought_signature_validator' },
          { functionCall: { name: 'weather', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'weather', response: { content: 'sunny' } } },
          { functionResponse: { name: 'weather', response: { content: 'rain' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
  });

  it('converts images, audio and files to inlineData and fileData parts', () => {
    const { body, warnings } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'data:image/PNG;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpeg?size=large', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'gs://bucket/report.pdf' } },
            { type: 'image_url', image_url: { url: 'https://example.com/image' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    });
    expect(body.contents[0]?.parts).toEqual([
      { text: 'What is in these?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.jpeg?size=large' } },
      { fileData: { mimeType: 'application/pdf', fileUri: 'gs://bucket/report.pdf' } },
      { fileData: { fileUri: 'https://example.com/image' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ]);
    expect(warnings).toEqual(['image_url.detail is not supported by Google and was not sent']);
  });

  it('maps sampling parameters to generationConfig', () => {
    const { body, warnings } = convert({
      max_completion_tokens: 256,
      max_tokens: 10,
      temperature: 1.5,
      top_p: 0.9,
      top_k: 40,
      stop: 'END',
      n: 2,
      presence_penalty: 0.5,
      frequency_penalty: 0,
      seed: 7,
    } as Partial<ChatCompletionRequest>);
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 256,
      temperature: 1.5,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      candidateCount: 2,
      presencePenalty: 0.5,
      seed: 7,
    });
    expect(warnings).toEqual([]);
  });

  it('asks for JSON with the schema as responseJsonSchema', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    expect(convert({ response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } } }).body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
    expect(convert({ response_format: { type: 'json_object' } }).body.generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(convert({ response_format: { type: 'text' } }).body.generationConfig).toBeUndefined();
  });

  it('maps reasoning_effort to a thinking budget (Gemini 2.5) or level (Gemini 3)', () => {
    expect(convert({ reasoning_effort: 'low' }).body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(convert({ reasoning_effort: 'none' }).body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(convert({ reasoning_effort: 'high' }, 'gemini-3-pro-preview').body.generationConfig?.thinkingConfig).toEqual({
      thinkingLevel: 'high',
      includeThoughts: true,
    });
    const none = convert({ reasoning_effort: 'none' }, 'gemini-3.1-flash');
    expect(none.body.generationConfig?.thinkingConfig).toEqual({ thinkingLevel: 'low' });
    expect(none.warnings).toEqual(['reasoning_effort none cannot be honoured: Gemini 3 models always think; thinking level low was sent']);
  });

  it('maps tool_choice to functionCallingConfig', () => {
    const tools = [{ type: 'function' as const, function: { name: 'weather' } }];
    expect(convert({ tools, tool_choice: 'auto' }).body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(convert({ tools, tool_choice: 'none' }).body.toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(convert({ tools, tool_choice: { type: 'function', function: { name: 'weather' } } }).body.toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['weather'] },
    });
    const withoutTools = convert({ tool_choice: 'required' }).body;
    expect(withoutTools.tools).toBeUndefined();
    expect(withoutTools.toolConfig).toBeUndefined();
    expect(convert({ tools }).body.tools).toEqual([{ functionDeclarations: [{ name: 'weather' }] }]);
  });

  it('names every parameter it could not send', () => {
    const { warnings } = convert({
      messages: [
        { role: 'user', content: 'Hi', name: 'ann' },
        { role: 'assistant', content: 'Hello' },
        { role: 'system', content: 'Be brief.' },
      ],
      tools: [{ type: 'function', function: { name: 'f', strict: true } }],
      parallel_tool_calls: false,
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '50256': -100 },
      user: 'user-1',
      metadata: { trace: '1' },
      store: true,
      service_tier: 'flex',
      frequency_penalty: 0,
      prediction: { type: 'content', content: 'x' },
    } as Partial<ChatCompletionRequest>);
    expect(warnings).toEqual([
      'messages[].name is not supported by Google and was not sent',
      'system messages after the first user or assistant message were moved to the system instruction',
      'tools[].function.strict is not supported by Google: tool arguments are not guaranteed to match the schema',
      'parallel_tool_calls=false is not supported by Google: the model may call several tools at once',
      'logprobs is not supported by Google and was not sent',
      'top_logprobs is not supported by Google and was not sent',
      'logit_bias is not supported by Google and was not sent',
      'user is not supported by Google and was not sent',
      'metadata is not supported by Google and was not sent',
      'store is not supported by Google and was not sent',
      'service_tier is not supported by Google and was not sent',
      'prediction is not supported by Google and was not sent',
    ]);
  });

  it('rejects what it cannot convert faithfully', () => {
    const cases: [Partial<ChatCompletionRequest>, string][] = [
      [{ messages: [{ role: 'tool', tool_call_id: 'call_x', content: 'r' }] }, 'messages[0].tool_call_id'],
      [{ messages: [{ role: 'system', content: 'Only a system prompt' }] }, 'messages'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }, 'messages[0].content[0].image_url.url'],
      [{ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }, 'messages[0].content[0].file'],
      [
        { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] },
        'messages[1].tool_calls[0].function.arguments',
      ],
    ];
    for (const [request, param] of cases) {
      let error: unknown;
      try {
        convert(request);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'invalid_request', param });
    }
  });
});
