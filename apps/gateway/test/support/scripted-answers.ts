import { z } from 'zod';
import { buildSseScript, jsonResponse, type EmulatorHandle, type EmulatorRequest, type PreparedResponse } from '../../src/emulators/emulator-server.js';

/**
 * What the emulated model "says", chosen by the test: a whole answer, or a stream cut into the given pieces (each piece
 * one chunk or text delta, written a tick apart so the gateway meets them in separate reads). OpenAI protocol for
 * `/chat/completions`, Anthropic's for `/messages`; every other request gets the emulator's recorded answer.
 */
export interface ScriptedAnswer {
  /** The answer's text pieces, in order; joined for non-streamed requests. */
  pieces: readonly string[];
}

export const SCRIPTED_USAGE = { input: 21, output: 13 } as const;

const streamFlagSchema = z.looseObject({ stream: z.boolean().nullish() });

export function scriptAnswers(emulator: EmulatorHandle, answer: ScriptedAnswer | null): void {
  if (emulator.setResponder === undefined) throw new Error('this emulator cannot be scripted');
  emulator.setResponder(answer === null ? null : (request) => respond(request, answer));
}

function respond(request: EmulatorRequest, answer: ScriptedAnswer): PreparedResponse | undefined {
  if (request.method !== 'POST') return undefined;
  const parsed = streamFlagSchema.safeParse(JSON.parse(request.rawBody.toString('utf8')));
  const stream = parsed.success && parsed.data.stream === true;
  if (request.path.endsWith('/chat/completions')) return stream ? openAIStream(answer.pieces) : openAIAnswer(answer.pieces.join(''));
  if (request.path.endsWith('/messages')) return stream ? anthropicStream(answer.pieces) : anthropicAnswer(answer.pieces.join(''));
  return undefined;
}

const created = 1_763_000_000;
const json = { 'content-type': 'application/json' };
const sse = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

function openAIAnswer(content: string): PreparedResponse {
  return jsonResponse(200, json, {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: SCRIPTED_USAGE.input, completion_tokens: SCRIPTED_USAGE.output, total_tokens: SCRIPTED_USAGE.input + SCRIPTED_USAGE.output },
  });
}

function openAIStream(pieces: readonly string[]): PreparedResponse {
  const chunk = (delta: object, finish: string | null) =>
    JSON.stringify({
      id: 'chatcmpl-scripted',
      object: 'chat.completion.chunk',
      created,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  const usage = JSON.stringify({
    id: 'chatcmpl-scripted',
    object: 'chat.completion.chunk',
    created,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [],
    usage: { prompt_tokens: SCRIPTED_USAGE.input, completion_tokens: SCRIPTED_USAGE.output, total_tokens: SCRIPTED_USAGE.input + SCRIPTED_USAGE.output },
  });
  const events = [
    { data: chunk({ role: 'assistant', content: '', refusal: null }, null) },
    ...pieces.map((piece) => ({ data: chunk({ content: piece }, null) })),
    { data: chunk({}, 'stop') },
    { data: usage },
    { data: '[DONE]' },
  ];
  return { kind: 'sse', headers: sse, script: buildSseScript(events) };
}

function anthropicMessage(content: object[], stopReason: string | null, outputTokens: number): object {
  return {
    id: 'msg_scripted',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: SCRIPTED_USAGE.input, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

function anthropicAnswer(text: string): PreparedResponse {
  return jsonResponse(200, json, anthropicMessage([{ type: 'text', text }], 'end_turn', SCRIPTED_USAGE.output));
}

function anthropicStream(pieces: readonly string[]): PreparedResponse {
  const event = (name: string, data: object) => ({ event: name, data: JSON.stringify({ type: name, ...data }) });
  const events = [
    event('message_start', { message: anthropicMessage([], null, 1) }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...pieces.map((text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: SCRIPTED_USAGE.output } }),
    event('message_stop', {}),
  ];
  return { kind: 'sse', headers: sse, script: buildSseScript(events) };
}
