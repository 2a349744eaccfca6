import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../shared/http-client.js';
import type { ChatStreamPart } from '../shared/provider-adapter.js';
import { serveRecording, type RecordingServer } from '../shared/test-support/serve-recording.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { transformAzureStream } from './azure-stream.js';

const recording = readFileSync(
  new URL('../../../fixtures/providers/azure-openai/azure-model-router.1.chunks.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((line) => line.trim() !== '');

let upstream: RecordingServer;
let http: HttpClient;
let baseUrl: string;
let reply = '';

beforeAll(async () => {
  upstream = await serveRecording({ reply: () => ({ headers: { 'content-type': 'text/event-stream' }, body: reply }), connections: 2 });
  baseUrl = `${upstream.url}/`;
  http = upstream.http;
});
afterAll(() => upstream.close());

/** Streams `payloads` as SSE `data:` events through a real HTTP response and collects the parts. */
async function transform(payloads: readonly string[]): Promise<ChatStreamPart[]> {
  reply = payloads.map((payload) => `data: ${payload}\n\n`).join('');
  const signal = new AbortController().signal;
  const response = await http.send({ provider: 'azure', url: new URL(baseUrl), headers: {}, body: '{}', signal, timeoutMs: 5_000 });
  const parts: ChatStreamPart[] = [];
  for await (const part of transformAzureStream('azure', response, signal)) parts.push(part);
  return parts;
}

const chunks = (parts: readonly ChatStreamPart[]) => parts.flatMap((part) => (part.type === 'chunk' ? [part] : []));

describe('transformAzureStream', () => {
  it('skips the prompt-filter event and forwards the recorded chunks byte for byte', async () => {
    const parts = await transform([...recording, '[DONE]']);
    const forwarded = chunks(parts);
    expect(forwarded.map((part) => part.raw)).toEqual(recording.slice(1, -1));
    expect(parts.filter((part) => part.type === 'usage')).toHaveLength(1);
  });

  it('drops asynchronous-filter annotations and turns one that ends a choice into a closing chunk', async () => {
    const annotation = (finishReason: string | null) =>
      JSON.stringify({
        choices: [
          {
            index: 0,
            finish_reason: finishReason,
            content_filter_offsets: { check_offset: 0, start_offset: 0, end_offset: 10 },
            content_filter_results: { violence: { filtered: finishReason !== null, severity: 'medium' } },
          },
        ],
        created: 0,
        id: '',
        model: '',
        object: '',
      });
    const parts = await transform([...recording.slice(0, 4), annotation(null), annotation('content_filter'), '[DONE]']);
    const forwarded = chunks(parts);
    expect(forwarded).toHaveLength(4);
    expect(forwarded.at(-1)?.chunk).toMatchObject({
      id: 'chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt',
      object: 'chat.completion.chunk',
      model: 'gpt-5-nano-2025-08-07',
      choices: [{ index: 0, delta: {}, finish_reason: 'content_filter', content_filter_results: { violence: { filtered: true } } }],
    });
  });

  it('ends with a non-retryable 400 on a content_filter error event', async () => {
    const event = JSON.stringify({
      error: {
        message: 'The response was filtered due to the prompt triggering the content management policy.',
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
        innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { hate: { filtered: true, severity: 'high' } } },
      },
    });
    const error = await transform([recording[0] ?? '', event]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 400, publicCode: 'content_filter', isRetryable: false });
    expect((error as Error).message).toContain('content filter: hate (high)');
  });

  it('rejects a stream without [DONE] and a chunk that breaks the chunk schema', async () => {
    await expect(transform(recording)).rejects.toMatchObject({ code: 'upstream_invalid_response' });
    const broken = JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0 }] });
    await expect(transform([broken, '[DONE]'])).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });
});
