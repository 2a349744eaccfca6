import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../http-client.js';

/**
 * For adapter tests only: a local node:http server that answers with recorded bytes, written in odd-sized pieces so
 * that events, frames and UTF-8 characters are split across reads as on a real network, and a real HttpClient to
 * reach it.
 */

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body: string | Uint8Array;
  /** The body is written in pieces of these byte sizes, in turn (default: `body.length`, one piece for ASCII). */
  pieceSizes?: number[];
  /** Stop after this many bytes and keep the response open. */
  hangAfter?: number;
}

export interface SeenRequest {
  method: string | undefined;
  /** Path and query, as received. */
  url: string | undefined;
  headers: IncomingHttpHeaders;
  /** The body as text. */
  raw: string;
  /** The body parsed as JSON; empty when it is not JSON (a token request's form). */
  body: Record<string, unknown>;
}

export interface RecordingServerOptions {
  /** The answer to a request; read per request, so a test sets it before the call it makes. */
  reply: (request: SeenRequest) => Reply | Promise<Reply>;
  /** Headers sent with every answer, under the reply's own; `seen` already holds the request. */
  headers?: (seen: readonly SeenRequest[]) => Record<string, string>;
  /** Answers requests the test is not about (a token endpoint) without recording them; undefined passes them on. */
  answerAside?: (request: SeenRequest) => Reply | undefined;
  /** Where requests are recorded; default a new array. */
  seen?: SeenRequest[];
  /** Connections per origin of the HttpClient. */
  connections?: number;
}

export interface RecordingServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  readonly http: HttpClient;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

export async function serveRecording(options: RecordingServerOptions): Promise<RecordingServer> {
  const seen = options.seen ?? [];
  const answer = async (request: SeenRequest, response: ServerResponse): Promise<void> => {
    const aside = options.answerAside?.(request);
    if (aside === undefined) seen.push(request);
    const reply = aside ?? (await options.reply(request));
    const { status = 200, body, pieceSizes = [body.length], hangAfter } = reply;
    response.writeHead(status, { ...options.headers?.(seen), ...reply.headers });
    const data = Buffer.from(body);
    await writeInPieces(response, hangAfter === undefined ? data : data.subarray(0, hangAfter), pieceSizes);
    if (hangAfter === undefined) response.end();
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const entry = { method: request.method, url: request.url, headers: request.headers, raw, body: parseBody(raw) };
      answer(entry, response).catch((error: unknown) => response.destroy(error instanceof Error ? error : new Error(String(error))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const http = new HttpClient(options.connections ?? 4);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    http,
    seen,
    async close() {
      await http.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function writeInPieces(response: ServerResponse, data: Buffer, sizes: number[]): Promise<void> {
  for (let offset = 0, turn = 0; offset < data.length; turn++) {
    const size = sizes[turn % sizes.length] ?? data.length;
    response.write(data.subarray(offset, offset + size));
    offset += size;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function parseBody(raw: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(raw);
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
