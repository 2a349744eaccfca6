import { readFileSync } from 'node:fs';
import { GatewayError, chatCompletionRequestSchema } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertToBedrockRequest, isClaudeModel } from './convert-to-bedrock-request.js';

const fixtures = new URL('../../../fixtures/providers/bedrock/', import.meta.url);

/** The request body pydantic-ai's boto3 client sent in a recorded interaction (vcrpy keeps it as a JSON string). */
function recordedRequest(name: string, turn = 0): Record<string, unknown> {
  const cassette = parse(readFileSync(new URL(name, fixtures), 'utf8')) as { interactions: { request: { body: string } }[] };
  return JSON.parse(cassette.interactions[turn]?.request.body ?? 'null') as Record<string, unknown>;
}

const convert = (request: Record<string, unknown>, upstreamModel = 'us.amazon.nova-micro-v1:0', maxOutputTokens?: number) =>
  convertToBedrockRequest(chatCompletionRequestSchema.parse({ model: 'm', ...request }), { upstreamModel, maxOutputTokens });

const capitalTool = {
  type: 'function',
  function: {
    name: 'get_capital',
    description: 'Get the capital of a country.',
    parameters: {
      additionalProperties: false,
      properties: { country: { description: 'The country name.', type: 'string' } },
      required: ['country'],
      type: 'object',
    },
  },
};
const toolCallText =
  '<thinking> To determine the capital of France, I can use the provided tool that returns the capital of a given country. Since the country in question is France, I will use the tool with the country parameter set to "France". </thinking>\n';

describe('convertToBedrockRequest on recorded requests', () => {
  it('builds the body of test_bedrock_model.yaml exactly', () => {
    const { body, warnings } = convert({ messages: [{ role: 'system', content: 'You are a chatbot.' }, { role: 'user', content: 'Hello!' }] });
    expect(body).toEqual(recordedRequest('test_bedrock_model.yaml'));
    expect(warnings).toEqual([]);
  });

  it('builds the tool request of test_bedrock_model_retry.yaml exactly (temperature 0, toolChoice auto)', () => {
    const messages = [{ role: 'system', content: 'You are a helpful chatbot.' }, { role: 'user', content: 'What is the capital of France?' }];
    const { body, warnings } = convert({ messages, temperature: 0, tools: [capitalTool], tool_choice: 'auto' });
    expect(body).toEqual(recordedRequest('test_bedrock_model_retry.yaml'));
    expect(warnings).toEqual([]);
  });

  it('builds the tool-result turn of test_bedrock_model_retry.yaml (OpenAI tool messages carry no error status)', () => {
    const messages = [
      { role: 'system', content: 'You are a helpful chatbot.' },
      { role: 'user', content: 'What is the capital of France?' },
      {
        role: 'assistant',
        content: toolCallText,
        tool_calls: [{ id: 'tooluse_Ze_bgl9CSqu8aJv7XD-_Dw', type: 'function', function: { name: 'get_capital', arguments: '{"country": "France"}' } }],
      },
      { role: 'tool', tool_call_id: 'tooluse_Ze_bgl9CSqu8aJv7XD-_Dw', content: 'The country is not supported.\n\nFix the errors and try again.' },
    ];
    const { body } = convert({ messages, temperature: 0, tools: [capitalTool], tool_choice: 'auto' });
    const recorded = recordedRequest('test_bedrock_model_retry.yaml', 1);
    const recordedMessages = recorded.messages as { content: { toolResult?: { status?: string } }[] }[];
    expect(recordedMessages[2]?.content[0]?.toolResult?.status).toBe('error');
    delete recordedMessages[2]?.content[0]?.toolResult?.status;
    expect(body).toEqual(recorded);
  });

  it('builds the cachePoint request of test_bedrock_cache_write_and_read.yaml exactly, from cache_control on parts and tools', () => {
    const recorded = recordedRequest('test_bedrock_cache_write_and_read.yaml');
    const recordedMessages = recorded.messages as { content: { text?: string }[] }[];
    const recordedSystem = recorded.system as { text?: string }[];
    const longText = recordedMessages[0]?.content[0]?.text ?? '';
    const ephemeral = { type: 'ephemeral' };
    const emptyTool = (name: string) => ({ type: 'function', function: { name, parameters: { additionalProperties: false, properties: {}, type: 'object' } } });
    const { body, warnings } = convert(
      {
        messages: [
          { role: 'system', content: [{ type: 'text', text: recordedSystem[0]?.text, cache_control: ephemeral }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: longText },
              { type: 'file', file: { filename: 'Document 1.txt', file_data: 'data:text/plain;base64,WW91IGFyZSBhIGdyZWF0IG1hdGhlbWF0aWNpYW4=' } },
              { type: 'text', text: '\n', cache_control: ephemeral },
              { type: 'text', text: 'What is 10 + 11?', cache_control: ephemeral },
            ],
          },
        ],
        tools: [emptyTool('catalog_lookup'), { ...emptyTool('diagnostics'), cache_control: ephemeral }],
        tool_choice: 'auto',
      },
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    expect(body).toEqual(recorded);
    expect(warnings).toEqual([]);
  });

  it('builds the thinking request of test_bedrock_model_thinking_part_stream.yaml, with the maxTokens Claude needs', () => {
    const { body, warnings } = convert({ messages: [{ role: 'user', content: 'Hello' }], reasoning_effort: 'low' }, 'us.anthropic.claude-sonnet-4-20250514-v1:0');
    const recorded = recordedRequest('test_bedrock_model_thinking_part_stream.yaml');
    expect(recorded).toEqual({ ...body, system: [], inferenceConfig: {} });
    expect(body.inferenceConfig).toEqual({ maxTokens: 1024 + 4096 });
    expect(warnings).toEqual(['maxTokens 5120 was sent: Claude needs a limit above the thinking budget of 1024 tokens (reasoning_effort low) and none was given']);
  });
});

describe('convertToBedrockRequest', () => {
  it('maps sampling parameters to inferenceConfig, clamping temperature to 1', () => {
    const { body, warnings } = convert({ messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 300, temperature: 1.5, top_p: 0.9, stop: 'END' });
    expect(body.inferenceConfig).toEqual({ maxTokens: 300, temperature: 1, topP: 0.9, stopSequences: ['END'] });
    expect(warnings).toEqual(["temperature 1.5 is above Bedrock's maximum of 1; 1 was sent"]);
  });

  it('sends temperature or top_p to Claude, not both', () => {
    const { body, warnings } = convert({ messages: [{ role: 'user', content: 'Hi' }], temperature: 0.3, top_p: 0.9 }, 'anthropic.claude-3-haiku-20240307-v1:0');
    expect(body.inferenceConfig).toEqual({ temperature: 0.3 });
    expect(warnings).toEqual(['top_p was not sent: Claude models accept temperature or top_p, not both (temperature was sent)']);
  });

  it('names every parameter it could not send', () => {
    const { warnings } = convert({
      messages: [{ role: 'user', content: 'Hi', name: 'ann' }],
      n: 2, logprobs: true, presence_penalty: 0.5, frequency_penalty: 0, seed: 7, user: 'u1', store: true,
      parallel_tool_calls: false, tools: [capitalTool], top_k: 5, reasoning_effort: 'high', web_search_options: {},
    });
    expect(warnings).toEqual([
      'messages[].name is not supported by Bedrock and was not sent',
      'top_k is sent to Bedrock for Claude models only and was not sent',
      'parallel_tool_calls=false is not supported by Bedrock: the model may call several tools at once',
      'reasoning_effort is sent to Bedrock for Claude models only (as thinking); it was not sent for us.amazon.nova-micro-v1:0',
      'n=2 is not supported by Bedrock: one choice was generated',
      'logprobs is not supported by Bedrock and was not sent',
      'presence_penalty is not supported by Bedrock and was not sent',
      'seed is not supported by Bedrock and was not sent',
      'user is not supported by Bedrock and was not sent',
      'store is not supported by Bedrock and was not sent',
      'web_search_options is not supported by Bedrock and was not sent',
    ]);
  });

  it('converts images and documents from data URLs, with cache points after parts that carry cache_control', () => {
    const { body } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' }, cache_control: { type: 'ephemeral' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
            { type: 'text', text: '' },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } },
          { cachePoint: { type: 'default' } },
          { document: { format: 'pdf', name: 'document 2', source: { bytes: 'JVBERi0=' } } },
        ],
      },
    ]);
  });

  it('rejects URLs Bedrock would have to fetch, audio and unsupported media types', () => {
    const reject = (content: unknown[]) => () => convert({ messages: [{ role: 'user', content }] });
    expect(reject([{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }])).toThrow(GatewayError);
    expect(reject([{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }])).toThrow(/do not fetch URLs/);
    expect(reject([{ type: 'input_audio', input_audio: { data: 'AAA=', format: 'wav' } }])).toThrow(/audio/);
    expect(reject([{ type: 'file', file: { file_data: 'data:application/zip;base64,UEs=' } }])).toThrow(/application\/zip is not supported/);
    expect(reject([{ type: 'file', file: { file_id: 'file-1' } }])).toThrow(/file_id/);
  });

  it('merges consecutive turns of one role, tool results first, and fits foreign tool ids', () => {
    const { body } = convert({
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call:1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'call:1', content: '20°C' },
        { role: 'user', content: 'And tomorrow?' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'call_1', name: 'get_weather', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [{ text: '20°C' }] } }, { text: 'And tomorrow?' }] },
    ]);
    expect(body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object', properties: {} } } } }] });
  });

  it('maps tool_choice, leaving the tools out for none unless the conversation uses them', () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    expect(convert({ messages, tools: [capitalTool], tool_choice: 'required' }).body.toolConfig?.toolChoice).toEqual({ any: {} });
    const named = convert({ messages, tools: [capitalTool], tool_choice: { type: 'function', function: { name: 'get_capital' } } });
    expect(named.body.toolConfig?.toolChoice).toEqual({ tool: { name: 'get_capital' } });
    const none = convert({ messages, tools: [capitalTool], tool_choice: 'none' });
    expect(none.body.toolConfig).toBeUndefined();
    expect(none.warnings).toEqual([]);

    const history = [
      ...messages,
      { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_capital', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'Paris' },
    ];
    const kept = convert({ messages: history, tools: [capitalTool], tool_choice: 'none' });
    expect(kept.body.toolConfig?.tools).toHaveLength(1);
    expect(kept.body.toolConfig?.toolChoice).toBeUndefined();
    expect(kept.warnings).toEqual([expect.stringMatching(/^tool_choice none is not supported by Bedrock/)]);
  });

  it('turns a json_schema response format into a forced tool', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const result = convert({ messages: [{ role: 'user', content: 'Capital?' }], response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } });
    expect(result.responseToolName).toBe('answer');
    expect(result.body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'answer', description: 'Respond with a JSON object that matches this schema.', inputSchema: { json: schema } } }],
      toolChoice: { tool: { name: 'answer' } },
    });
    const withTools = convert({ messages: [{ role: 'user', content: 'Capital?' }], tools: [capitalTool], response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } });
    expect(withTools.body.toolConfig?.toolChoice).toEqual({ any: {} });
  });

  it('sends thinking for Claude with the room it needs, dropping the sampling parameters Claude refuses', () => {
    const { body, warnings } = convert(
      { messages: [{ role: 'user', content: 'Hi' }], reasoning_effort: 'medium', max_tokens: 1000, top_p: 0.5, top_k: 10 },
      'anthropic.claude-3-7-sonnet-20250219-v1:0',
    );
    expect(body.inferenceConfig).toEqual({ maxTokens: 5096 });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 4096 } });
    expect(warnings).toEqual([
      'max_tokens was raised from 1000 to 5096: Claude needs it above the thinking budget of 4096 tokens (reasoning_effort medium)',
      'top_p was not sent: Claude models accept only 0.95 to 1 while thinking (reasoning_effort)',
      'top_k was not sent: Claude models do not accept it while thinking (reasoning_effort)',
    ]);
    const catalog = convert({ messages: [{ role: 'user', content: 'Hi' }], reasoning_effort: 'high', temperature: 0.2 }, 'us.anthropic.claude-sonnet-4-20250514-v1:0', 64000);
    expect(catalog.body.inferenceConfig).toEqual({ maxTokens: 64000 });
    expect(catalog.warnings.at(-1)).toBe('temperature was not sent: Claude models do not accept it while thinking (reasoning_effort)');
  });

  it('recognises Claude model ids, profiles and ARNs', () => {
    expect(isClaudeModel('anthropic.claude-3-haiku-20240307-v1:0')).toBe(true);
    expect(isClaudeModel('us.anthropic.claude-3-5-sonnet-20240620-v1:0')).toBe(true);
    expect(isClaudeModel('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2')).toBe(true);
    expect(isClaudeModel('us.amazon.nova-micro-v1:0')).toBe(false);
    expect(isClaudeModel('meta.llama3-70b-instruct-v1:0')).toBe(false);
  });
});
