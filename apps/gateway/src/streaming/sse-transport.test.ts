import { createServer, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSseTransport, type SseTransport } from './sse-transport.js';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

/** A real HTTP server whose one response is handed to `handle` with a transport over it; resolves the body read. */
async function serve(handle: (transport: SseTransport, raw: ServerResponse) => Promise<void>): Promise<string> {
  const server = createServer((_request, response) => {
    const transport = createSseTransport({ response, requestId: 'req-1', beforeOpen: () => undefined, metaHeaders: () => ({ 'x-test': 'yes' }) });
    void handle(transport, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    httpRequest({ port, host: '127.0.0.1', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => (body += text));
      response.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('SSE transport', () => {
  it('hands the first event to the socket at once, without waiting for the next tick', async () => {
    const corkedAfter: number[] = [];
    const body = await serve(async (transport, raw) => {
      transport.open({} as never);
      // As in the pipeline: the first event is written deep in a chain of promises that goes on parsing. Node's
      // ServerResponse would keep the socket corked until the next tick, after that whole chain: it must not wait.
      await null;
      void transport.write('data: first\n\n');
      corkedAfter.push(raw.socket?.writableCorked ?? -1);
      await transport.write('data: second\n\n');
      await transport.write('data: third\n\n');
      transport.end();
    });
    expect(corkedAfter).toEqual([0]);
    expect(body).toBe('data: first\n\ndata: second\n\ndata: third\n\n');
  });

  it('joins the events written in one turn into one write after the first', async () => {
    const writes: string[] = [];
    const body = await serve(async (transport, raw) => {
      const original = raw.write.bind(raw) as (chunk: string) => boolean;
      raw.write = ((chunk: string) => {
        writes.push(chunk);
        return original(chunk);
      }) as typeof raw.write;
      transport.open({} as never);
      void transport.write('a\n\n');
      void transport.write('b\n\n');
      void transport.write('c\n\n');
      await new Promise((resolve) => setImmediate(resolve));
      transport.end();
    });
    expect(writes).toEqual(['a\n\n', 'b\n\nc\n\n']);
    expect(body).toBe('a\n\nb\n\nc\n\n');
  });
});
