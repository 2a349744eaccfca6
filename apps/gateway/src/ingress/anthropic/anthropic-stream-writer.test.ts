import { readFileSync } from 'node:fs';
import { GatewayError, chatCompletionChunkSchema, type ChatCompletionChunk, type OpenAIUsage } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseSseText } from '../../emulators/fixture-store.js';
import type { ResponseMeta } from '../../pipeline/chat-completion.js';
import type { SseTransport } from '../../streaming/sse-transport.js';
import { AnthropicEventEncoder, createAnthropicEventForwarder, createAnthropicStreamWriter } from './anthropic-stream-writer.js';

const fixtures = new URL('../../../fixtures/providers/openai/', import.meta.url);
const readFixture = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');

/** The recorded chunks as the pipeline hands them over: usage taken out, usage-only chunks not written. */
function recordedChunks(payloads: string[]): { chunks: ChatCompletionChunk[]; usage: OpenAIUsage } {
  const parsed = payloads.filter((payload) => payload !== '[DONE]').map((payload) => chatCompletionChunkSchema.parse(JSON.parse(payload)));
  const usage = parsed.find((chunk) => chunk.usage != null)?.usage;
  if (usage == null) throw new Error('fixture without usage');
  return { chunks: parsed.filter((chunk) => chunk.choices.length > 0), usage };
}

const textStream = recordedChunks(readFixture('openai-text.chunks.txt').split('\n').filter((line) => line.trim() !== ''));
const toolCassette = parseYaml(readFixture('test_run_stream_sync_streams_real_model.yaml')) as { interactions: Array<{ response: { body: { string: string } } }> };
const toolStream = recordedChunks(parseSseText(toolCassette.interactions[0]!.response.body.string).map((event) => event.data));

interface Event {
  name: string;
  data: { type: string; index?: number; [key: string]: unknown };
}

function parseEvents(text: string): Event[] {
  return parseSseText(text).map((event) => ({ name: event.event ?? '', data: JSON.parse(event.data) as Event['data'] }));
}

function encode(chunks: ChatCompletionChunk[], usage: OpenAIUsage): Event[] {
  const encoder = new AnthropicEventEncoder('req-1');
  let text = '';
  for (const chunk of chunks) text += encoder.encodeChunk(chunk);
  text += encoder.encodeFinish(usage, chunks.at(-1) ?? null, 'gpt-x');
  const events = parseEvents(text);
  for (const event of events) expect(event.data.type).toBe(event.name);
  return events;
}

function chunk(delta: ChatCompletionChunk['choices'][number]['delta'], finishReason: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk {
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

const usage: OpenAIUsage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

describe('AnthropicEventEncoder', () => {
  it('turns the recorded OpenAI text stream into exactly Anthropic’s event sequence', () => {
    const events = encode(textStream.chunks, textStream.usage);
    const deltas = events.filter((event) => event.name === 'content_block_delta');
    expect(events.map((event) => event.name)).toEqual([
      'message_start',
      'content_block_start',
      ...deltas.map(() => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]!.data).toMatchObject({
      message: { id: 'msg_D8Z5oo6uDh67AD85p73ksdT1KxhE0', type: 'message', role: 'assistant', model: 'gpt-4.1-nano-2025-04-14', content: [], stop_reason: null },
    });
    expect(events[1]!.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    const text = deltas.map((event) => (event.data.delta as { text: string }).text).join('');
    expect(text).toBe(textStream.chunks.map((item) => item.choices[0]?.delta.content ?? '').join(''));
    expect(events.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 16, output_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('streams the recorded tool call as a tool_use block with input_json_delta fragments', () => {
    const events = encode(toolStream.chunks, toolStream.usage);
    const start = events.find((event) => event.name === 'content_block_start')!;
    expect(start.data).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 'call_ZR5UUuTt3pf61kjwAJIYdVMj', name: 'get_capital', input: {} },
    });
    const json = events
      .filter((event) => event.name === 'content_block_delta')
      .map((event) => (event.data.delta as { type: string; partial_json: string }).partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ country: 'UK' });
    expect(events.at(-2)!.data).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('opens a new block whenever the kind changes: thinking, text, then one block per tool call', () => {
    const events = encode(
      [
        chunk({ role: 'assistant', content: '' }),
        chunk({ reasoning_content: 'Hmm' }),
        chunk({ reasoning_content: '…' }),
        chunk({ content: 'Answer' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '' } }] }),
        chunk({}, 'tool_calls'),
      ],
      usage,
    );
    expect(events.map((event) => [event.name, event.data.index ?? null])).toEqual([
      ['message_start', null],
      ['content_block_start', 0],
      ['content_block_delta', 0],
      ['content_block_delta', 0],
      ['content_block_stop', 0],
      ['content_block_start', 1],
      ['content_block_delta', 1],
      ['content_block_stop', 1],
      ['content_block_start', 2],
      ['content_block_delta', 2],
      ['content_block_delta', 2],
      ['content_block_stop', 2],
      ['content_block_start', 3],
      ['content_block_stop', 3],
      ['message_delta', null],
      ['message_stop', null],
    ]);
    expect(events[1]!.data).toMatchObject({ content_block: { type: 'thinking', thinking: '', signature: '' } });
    expect(events[2]!.data).toMatchObject({ delta: { type: 'thinking_delta', thinking: 'Hmm' } });
    expect(events[12]!.data).toMatchObject({ content_block: { type: 'tool_use', id: 'call_b', name: 'b', input: {} } });
  });

  it('still sends a whole message when the upstream sent no chunk', () => {
    const events = encode([], usage);
    expect(events.map((event) => event.name)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(events[0]!.data).toMatchObject({ message: { id: 'msg_req-1', model: 'gpt-x' } });
  });

  it('maps length to max_tokens and a lone refusal to refusal', () => {
    expect(encode([chunk({ content: 'cut' }, 'length')], usage).at(-2)!.data).toMatchObject({ delta: { stop_reason: 'max_tokens' } });
    expect(encode([chunk({ refusal: 'No.' }, 'stop')], usage).at(-2)!.data).toMatchObject({ delta: { stop_reason: 'refusal' } });
  });
});

function fakeTransport(): SseTransport & { written: string; metas: ResponseMeta[]; ended: boolean } {
  const transport = {
    opened: false,
    written: '',
    metas: [] as ResponseMeta[],
    ended: false,
    open(meta: ResponseMeta) {
      transport.opened = true;
      transport.metas.push(meta);
    },
    write(text: string) {
      transport.written += text;
      return Promise.resolve();
    },
    end() {
      transport.ended = true;
    },
  };
  return transport;
}

describe('the Anthropic stream writers', () => {
  it('add the conversion warnings to the headers and end an error with an Anthropic error event', async () => {
    const transport = fakeTransport();
    const writer = createAnthropicStreamWriter(transport, { warnings: ['top_k was not sent'], requestId: 'r' });
    writer.open({ provider: 'openai', model: 'gpt-x', costUsd: null, warnings: ['priced'] });
    expect(transport.metas[0]!.warnings).toEqual(['top_k was not sent', 'priced']);
    await writer.writeChunk(chunk({ content: 'Hi' }), undefined);
    await writer.fail(new GatewayError('upstream_unavailable', { message: 'openai: socket hang up' }));
    writer.end();
    const events = parseEvents(transport.written);
    expect(events.at(-1)).toEqual({
      name: 'error',
      data: { type: 'error', error: { type: 'api_error', message: 'openai: socket hang up', param: null, code: 'upstream_unavailable' } },
    });
    expect(transport.ended).toBe(true);
  });

  it('forward native events unchanged, keeping multi-line data intact', async () => {
    const transport = fakeTransport();
    const forwarder = createAnthropicEventForwarder(transport);
    await forwarder.forward('ping', '{"type": "ping"}');
    await forwarder.forward('custom', '{\n"type":"x"}');
    expect(transport.written).toBe('event: ping\ndata: {"type": "ping"}\n\nevent: custom\ndata: {\ndata: "type":"x"}\n\n');
    expect(parseSseText(transport.written).map((event) => event.data)).toEqual(['{"type": "ping"}', '{\n"type":"x"}']);
  });
});
