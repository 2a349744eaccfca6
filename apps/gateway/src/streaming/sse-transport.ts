import type { ServerResponse } from 'node:http';
import type { ResponseMeta } from '../pipeline/chat-completion.js';

/** Raw SSE bytes to the client socket, with backpressure and one system call per batch of events. */
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
  let opened = false;
  let corked = false;
  // Events parsed from one upstream read are written in one system call: cork on the first write, uncork once the
  // pipeline has handed over everything that was already available.
  const uncork = () => {
    corked = false;
    raw.uncork();
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
      if (raw.destroyed) return Promise.resolve();
      if (!corked) {
        corked = true;
        raw.cork();
        process.nextTick(uncork);
      }
      if (raw.write(text)) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          raw.off('drain', done);
          raw.off('close', done);
          resolve();
        };
        raw.once('drain', done);
        raw.once('close', done);
      });
    },
    end() {
      if (!raw.writableEnded) raw.end();
    },
  };
}
