import type { ServerResponse } from 'node:http';
import type { ResponseMeta } from '../pipeline/chat-completion.js';

/** Raw SSE bytes to the client socket, with backpressure and one write per batch of events. */
export interface SseTransport {
  readonly opened: boolean;
  open(meta: ResponseMeta): void;
  write(text: string): Promise<void>;
  end(): void;
}

export interface SseTransportOptions {
  response: ServerResponse;
  requestId: string;
  /** Called right before the headers go out (the route hands the socket over from the framework here). */
  beforeOpen: () => void;
  metaHeaders: (meta: ResponseMeta) => Record<string, string>;
}

export function createSseTransport(options: SseTransportOptions): SseTransport {
  const raw = options.response;
  const written = Promise.resolve();
  let opened = false;
  let flushedFirst = false;
  // Events parsed from one upstream read are written together: they are joined into one string and handed to the
  // socket once the pipeline has passed on everything that was already available (one HTTP chunk, one system call).
  // The very first event is the exception: it goes out at once with the headers, so that the time to the first chunk
  // does not include parsing the rest of a large read (a fast upstream sends a whole answer in one).
  let pending = '';
  let scheduled = false;
  /** Set while the socket's buffer is full: writers wait for it to drain. */
  let blocked: Promise<void> | null = null;
  const send = (text: string) => {
    if (raw.write(text) || blocked !== null) return;
    blocked = new Promise((resolve) => {
      const done = () => {
        raw.off('drain', done);
        raw.off('close', done);
        blocked = null;
        resolve();
      };
      raw.once('drain', done);
      raw.once('close', done);
    });
  };
  const flush = () => {
    scheduled = false;
    if (pending === '' || raw.destroyed) return;
    const text = pending;
    pending = '';
    send(text);
  };
  return {
    get opened() {
      return opened;
    },
    open(meta) {
      options.beforeOpen();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': options.requestId,
        ...options.metaHeaders(meta),
      });
      opened = true;
    },
    write(text) {
      if (raw.destroyed) return written;
      if (!flushedFirst) {
        flushedFirst = true;
        send(text);
        // Node's ServerResponse corks the socket on a write and uncorks it on the next tick, which comes only once
        // the whole chain of promises that parses the rest of the read has run: uncork now, so the first event
        // leaves at once (measured: the first byte came after the whole 100 KB answer was parsed, 2-3 ms).
        const socket = raw.socket;
        if (socket !== null && socket.writableCorked > 0) socket.uncork();
        return blocked ?? written;
      }
      pending += text;
      if (pending.length >= maxPendingChars) flush();
      else if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
      return blocked ?? written;
    },
    end() {
      flush();
      if (!raw.writableEnded) raw.end();
    },
  };
}

/** Past this much text waiting, it goes to the socket without waiting for the end of the read. */
const maxPendingChars = 64 * 1024;
