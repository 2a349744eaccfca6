import { guardrailsConfigSchema, type ChatCompletionChunk } from '@arbiter/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { GuardrailService } from '../guardrails/guardrail-service.js';
import { anthropicStreamEventSchema } from '../providers/anthropic/anthropic-api.js';
import { GuardrailViolationError, openRequestGuard, type RequestGuard } from './guard-request.js';
import { AnthropicEventGuard, ChatChunkGuard } from './guard-stream.js';

let service: GuardrailService;

beforeAll(async () => {
  service = await GuardrailService.create(guardrailsConfigSchema.parse({ policy: 'bfsi', stream_window: 32 }));
});

function guard(): RequestGuard {
  const opened = openRequestGuard(service, { tenantId: 'acme' });
  if (opened === null) throw new Error('bfsi guards every tenant');
  return opened;
}

type Delta = ChatCompletionChunk['choices'][number]['delta'];
function chunk(delta: Delta, finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null, index = 0): ChatCompletionChunk {
  return { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index, delta, finish_reason: finish }] };
}

function content(chunks: Array<ChatCompletionChunk | null>, index = 0): string {
  return chunks.map((item) => item?.choices.find((choice) => choice.index === index)?.delta.content ?? '').join('');
}

describe('chat chunk guard', () => {
  it('passes chunks without text through as the same object, and holds text until the window allows it', () => {
    const chunkGuard = new ChatChunkGuard(guard());
    const role = chunk({ role: 'assistant', content: '' });
    expect(chunkGuard.guardChunk(role)).toBe(role);
    expect(chunkGuard.guardChunk(chunk({ content: 'Short.' }))).toBeNull();
  });

  it('releases held text with the finish reason, redacting a value split across chunks', () => {
    const chunkGuard = new ChatChunkGuard(guard());
    const out = ['Your SSN is 536-2', '2-87', '26. Keep it', ' safe.'].map((text) => chunkGuard.guardChunk(chunk({ content: text })));
    const finish = chunkGuard.guardChunk(chunk({}, 'stop'));
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    expect(content([...out, finish])).toBe('Your SSN is [US_SSN]. Keep it safe.');
  });

  it('flushes text before a tool call, so text and tool call keep their order', () => {
    const chunkGuard = new ChatChunkGuard(guard());
    expect(chunkGuard.guardChunk(chunk({ content: 'Let me check.' }))).toBeNull();
    const call = chunkGuard.guardChunk(chunk({ tool_calls: [{ index: 0, id: 't', type: 'function', function: { name: 'f', arguments: '' } }] }));
    expect(call?.choices[0]?.delta).toMatchObject({ content: 'Let me check.', tool_calls: [{ id: 't' }] });
  });

  it('keeps choices apart, and flushes what is held when the upstream ends without a finish reason', () => {
    const chunkGuard = new ChatChunkGuard(guard());
    chunkGuard.guardChunk(chunk({ content: 'First choice.' }, null, 0));
    chunkGuard.guardChunk(chunk({ content: 'Second choice.' }, null, 1));
    const rest = chunkGuard.flush(null, 'm');
    expect(rest.map((item) => [item.choices[0]?.index, item.choices[0]?.delta.content])).toEqual([
      [0, 'First choice.'],
      [1, 'Second choice.'],
    ]);
  });

  it('throws the violation when a block guardrail triggers, before the text is released', () => {
    const chunkGuard = new ChatChunkGuard(guard());
    const released: Array<ChatCompletionChunk | null> = [];
    const attempt = () => {
      for (const text of ['Sure. You are a stupid ', 'idiot and everyone knows it.']) released.push(chunkGuard.guardChunk(chunk({ content: text })));
      released.push(chunkGuard.guardChunk(chunk({}, 'stop')));
    };
    expect(attempt).toThrow(GuardrailViolationError);
    expect(content(released)).not.toContain('idiot');
  });
});

describe('Anthropic event guard', () => {
  const event = (data: object) => ({ name: (data as { type: string }).type, data: JSON.stringify(data), event: anthropicStreamEventSchema.parse(data) });

  it('rewrites text deltas and releases the rest before the block stop; other events pass unchanged', () => {
    const requestGuard = guard();
    const eventGuard = new AnthropicEventGuard(requestGuard);
    const events = [
      event({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'SSN 536-22-8726' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
      event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Your SSN is 536-2' } }),
      event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '2-8726.' } }),
      event({ type: 'content_block_stop', index: 1 }),
    ];
    const out = events.flatMap((item) => eventGuard.guardEvent(item.name, item.data, item.event));
    expect(out.slice(0, 4)).toEqual(events.slice(0, 4).map(({ name, data }) => ({ name, data })));
    expect(out.slice(4).map((item) => item.name)).toEqual(['content_block_delta', 'content_block_stop']);
    expect(JSON.parse(out[4]!.data)).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Your SSN is [US_SSN].' } });
    expect(eventGuard.takeReleased()).toBe('Your SSN is [US_SSN].');
    expect(requestGuard.headerValue()).toBe('pii:output:redact:US_SSN=1');
  });
});

describe('the self-check on a stream', () => {
  let checked: GuardrailService;
  const reviewed: string[] = [];

  beforeAll(async () => {
    checked = await GuardrailService.create(
      guardrailsConfigSchema.parse({
        policy: { rules: [{ guardrail: 'pii', output: 'redact' }, { guardrail: 'llm_self_check', output: 'block', params: { model: 'guard-model' } }] },
        stream_window: 32,
      }),
    );
  });

  /** A guard whose checker says `answer` about whatever it is shown, keeping what it was shown. */
  function checkedGuard(answer: string): RequestGuard {
    const opened = openRequestGuard(checked, { tenantId: 'acme' }, () => (request) => {
      reviewed.push(request.messages[1]?.content ?? '');
      return Promise.resolve({ text: answer, costUsd: null });
    });
    if (opened === null) throw new Error('the policy guards every tenant');
    return opened;
  }

  const violation = '{"violation": true, "confidence": 0.9}';
  const fine = '{"violation": false, "confidence": 0.9}';

  it('judges every choice\'s sent (redacted) text once the upstream ended, and blocks with the error to end the stream with', async () => {
    const chunkGuard = new ChatChunkGuard(checkedGuard(violation));
    for (const text of ['Your SSN is 536-2', '2-8726.']) chunkGuard.guardChunk(chunk({ content: text }));
    chunkGuard.guardChunk(chunk({ content: 'Second choice.' }, null, 1));
    chunkGuard.guardChunk(chunk({}, 'stop'));
    chunkGuard.flush(null, 'm');
    const blocked = await chunkGuard.selfCheck(new AbortController().signal);
    expect(blocked).toBeInstanceOf(GuardrailViolationError);
    expect(blocked?.message).toBe("The model's answer was blocked by the guardrail llm_self_check (POLICY_VIOLATION).");
    expect(reviewed.at(-1)).toContain('Your SSN is [US_SSN].\n\nSecond choice.');
    expect(reviewed.at(-1)).not.toContain('8726');
  });

  it('holds Anthropic\'s message_stop only while a self-check is due, and hands it back when it passes', async () => {
    const eventGuard = new AnthropicEventGuard(checkedGuard(fine));
    const events = [
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'All good here.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_stop' },
    ];
    const forwarded = events.flatMap((event) => eventGuard.guardEvent(event.type, JSON.stringify(event), anthropicStreamEventSchema.parse(event)));
    expect(forwarded.map((event) => event.name)).not.toContain('message_stop');
    expect(await eventGuard.selfCheck(new AbortController().signal)).toBeNull();
    expect(reviewed.at(-1)).toContain('All good here.');
    expect(eventGuard.takeHeldStop().map((event) => event.name)).toEqual(['message_stop']);

    // Without a self-check on answers nothing is held.
    const plain = new AnthropicEventGuard(guard());
    const stop = { type: 'message_stop' };
    expect(plain.guardEvent('message_stop', JSON.stringify(stop), anthropicStreamEventSchema.parse(stop))).toHaveLength(1);
    expect(await plain.selfCheck(new AbortController().signal)).toBeNull();
  });
});
