import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { SseEvent } from './fixture-store.js';

/**
 * The HTTP plumbing shared by the provider emulators: request recording, fault injection and writing prepared
 * responses (JSON bodies and SSE scripts serialized once at start). Provider files only decide what to answer.
 */

export const emulatorFaultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('status'),
    status: z.number().int().min(400).max(599),
    retryAfter: z.number().nonnegative().optional(),
  }),
  z.object({ kind: z.literal('latency'), ms: z.number().nonnegative() }),
  z.object({ kind: z.literal('chunk-delay'), ms: z.number().nonnegative() }),
  z.object({ kind: z.literal('cut-stream'), afterEvents: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('reset') }),
  z.object({ kind: z.literal('malformed') }),
  z.object({ kind: z.literal('hang') }),
]);
export type EmulatorFault = z.infer<typeof emulatorFaultSchema>;

/** Per-request fault switch, JSON-encoded (e.g. `{"kind":"status","status":429,"retryAfter":2}`). */
export const faultHeaderName = 'x-emulator-fault';

/** The options every emulator takes. */
export interface EmulatorOptions<Fault = EmulatorFault> {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Benchmark mode: a stream is written in one piece and requests are not recorded (unless `record: true`). */
  readonly fast?: boolean;
  readonly record?: boolean;
  /** Fault active from the start (same as calling `setFault`). */
  readonly fault?: Fault | null;
}

/** Model ids answered with the provider's recorded unknown-model error, unless an emulator is told otherwise. */
export const defaultUnknownModelPattern = /nonexistent|does-not-exist/i;

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** Query string including `?`, or `''`. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body; the raw text when it is not JSON; `undefined` when empty. */
  readonly body: unknown;
}

/** A test's own answer: a prepared response, or undefined to answer as the emulator would. */
export type EmulatorResponder = (request: EmulatorRequest) => PreparedResponse | undefined;

export interface EmulatorHandle {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  setFault(fault: EmulatorFault | null): void;
  /**
   * Scripts the answers (what the model "says") until reset with null; faults still apply on top. Every emulator
   * built on this server has it; handles that wrap the server (Azure, Bedrock) do not pass it on.
   */
  setResponder?(responder: EmulatorResponder | null): void;
  close(): Promise<void>;
}

/** An SSE response serialized once: one buffer per event, the whole stream, and a truncated (invalid JSON) event. */
export interface SseScript {
  readonly events: readonly Buffer[];
  readonly whole: Buffer;
  readonly malformedEvent: Buffer;
}

export type PreparedResponse =
  | { readonly kind: 'json'; readonly status: number; readonly headers: Record<string, string>; readonly body: Buffer }
  | { readonly kind: 'sse'; readonly headers: Record<string, string>; readonly script: SseScript };

export interface EmulatorRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
}

export interface EmulatorServerOptions {
  readonly host: string;
  readonly port: number;
  /** Appended to `http://host:port` to form the handle's `url`. */
  readonly basePath: string;
  readonly fast: boolean;
  readonly record: boolean;
  readonly fault: EmulatorFault | null;
  handle(request: EmulatorRequest): PreparedResponse;
  renderStatusFault(status: number, retryAfter: number | undefined): PreparedResponse;
  renderInvalidFault(message: string): PreparedResponse;
}

/** Where an emulator listens and whether it records, from its options: 127.0.0.1, a free port, recording unless fast. */
export function resolveServerOptions(options: EmulatorOptions<unknown>): Pick<EmulatorServerOptions, 'host' | 'port' | 'fast' | 'record'> {
  const fast = options.fast ?? false;
  return { host: options.host ?? '127.0.0.1', port: options.port ?? 0, fast, record: options.record ?? !fast };
}

/** A request body's JSON, or `ok: false` when it is not JSON (each provider words that error its own way). */
export function parseRequestJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** True when `key` is a property name anywhere in `value` (`cache_control`, `cachePoint`, …). */
export function containsKey(value: unknown, key: string): boolean {
  if (Array.isArray(value)) return value.some((item) => containsKey(item, key));
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([name, child]) => name === key || containsKey(child, key));
}

/** The `retry-after` header of an injected status fault, when it has one. */
export function retryAfterHeaders(retryAfter: number | undefined): Record<string, string> {
  return retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
}

/** A provider's error for an injected status: the status's own entry, else the one for 500 or 400. */
export function findStatusError<Entry>(table: Readonly<Record<number, Entry>>, status: number): Entry | undefined {
  return table[status] ?? (status >= 500 ? table[500] : table[400]);
}

function encodeEvent(event: SseEvent): string {
  return event.event === undefined ? `data: ${event.data}\n\n` : `event: ${event.event}\ndata: ${event.data}\n\n`;
}

export function buildSseScript(events: readonly SseEvent[]): SseScript {
  const encoded = events.map((event) => Buffer.from(encodeEvent(event)));
  // A payload cut in half is what a broken proxy or truncating upstream produces: invalid JSON on a `data:` line.
  const sample = events.find((event) => event.data.startsWith('{')) ?? { data: '{"' };
  const truncated = { ...sample, data: sample.data.slice(0, Math.max(2, Math.floor(sample.data.length / 2))) };
  return { events: encoded, whole: Buffer.concat(encoded), malformedEvent: Buffer.from(encodeEvent(truncated)) };
}

export function jsonResponse(
  status: number,
  headers: Record<string, string>,
  body: unknown,
  indent?: number,
): PreparedResponse {
  return { kind: 'json', status, headers, body: Buffer.from(JSON.stringify(body, null, indent)) };
}

function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

type FaultResolution = { readonly fault: EmulatorFault | null } | { readonly invalid: string };

function resolveFault(header: string | string[] | undefined, fallback: EmulatorFault | null): FaultResolution {
  if (header === undefined) return { fault: fallback };
  const text = Array.isArray(header) ? header.join(',') : header;
  try {
    const parsed = emulatorFaultSchema.safeParse(JSON.parse(text));
    return parsed.success ? { fault: parsed.data } : { invalid: `Invalid ${faultHeaderName}: ${parsed.error.message}` };
  } catch {
    return { invalid: `Invalid ${faultHeaderName}: not JSON` };
  }
}

/** Ends the TCP connection after flushing what was written, so the client sees a body that stops mid-way. */
function cutConnection(response: ServerResponse): void {
  const socket = response.socket;
  if (!socket) return;
  socket.once('finish', () => socket.destroy());
  socket.end();
}

export async function startEmulatorServer(options: EmulatorServerOptions): Promise<EmulatorHandle> {
  const requests: RecordedRequest[] = [];
  let currentFault = options.fault;
  let responder: EmulatorResponder | null = null;
  let closed = false;
  const timers = new Map<NodeJS.Timeout, () => void>();

  /** Resolves `true` after `ms`, or `false` as soon as the emulator closes. */
  const sleep = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve(!closed);
      }, ms);
      timers.set(timer, () => resolve(false));
    });

  const nextTick = () => new Promise<boolean>((resolve) => setImmediate(() => resolve(!closed)));

  type SseResponse = PreparedResponse & { kind: 'sse' };
  const writeSse = async (response: ServerResponse, prepared: SseResponse, fault: EmulatorFault | null) => {
    const { script } = prepared;
    response.writeHead(200, prepared.headers);
    if (fault === null && options.fast) {
      response.end(script.whole);
      return;
    }
    const events =
      fault?.kind === 'malformed'
        ? [script.events[0], script.malformedEvent, ...script.events.slice(1)]
        : script.events;
    const limit = fault?.kind === 'cut-stream' ? Math.min(fault.afterEvents, events.length) : events.length;
    if (limit === 0) response.flushHeaders();
    for (let index = 0; index < limit; index += 1) {
      if (index > 0) {
        // Separate writes a tick apart, so clients meet events split across TCP reads as they do in production.
        const alive = fault?.kind === 'chunk-delay' ? await sleep(fault.ms) : await nextTick();
        if (!alive || response.destroyed) return;
      }
      const event = events[index];
      if (event) response.write(event);
    }
    if (fault?.kind === 'cut-stream') cutConnection(response);
    else response.end();
  };

  const writeResponse = async (response: ServerResponse, prepared: PreparedResponse, fault: EmulatorFault | null) => {
    if (prepared.kind === 'sse') {
      await writeSse(response, prepared, fault);
      return;
    }
    if (fault?.kind === 'cut-stream') {
      response.writeHead(prepared.status, { ...prepared.headers, 'content-length': String(prepared.body.length) });
      response.write(prepared.body.subarray(0, Math.floor(prepared.body.length / 2)));
      cutConnection(response);
      return;
    }
    const half = prepared.body.subarray(0, Math.floor(prepared.body.length / 2));
    const body = fault?.kind === 'malformed' ? half : prepared.body;
    response.writeHead(prepared.status, { ...prepared.headers, 'content-length': String(body.length) });
    response.end(body);
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const rawBody = await readBody(request);
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const method = request.method ?? 'GET';
    if (options.record) {
      const query = queryStart === -1 ? '' : url.slice(queryStart);
      requests.push({ method, path, query, headers: request.headers, body: parseBody(rawBody) });
    }
    const resolution = resolveFault(request.headers[faultHeaderName], currentFault);
    if ('invalid' in resolution) {
      await writeResponse(response, options.renderInvalidFault(resolution.invalid), null);
      return;
    }
    const { fault } = resolution;
    if (fault?.kind === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') return; // answered never; close() destroys the connection
    if (fault?.kind === 'latency' && (!(await sleep(fault.ms)) || response.destroyed)) return;
    if (fault?.kind === 'status') {
      await writeResponse(response, options.renderStatusFault(fault.status, fault.retryAfter), null);
      return;
    }
    const emulatorRequest = { method, path, headers: request.headers, rawBody };
    await writeResponse(response, responder?.(emulatorRequest) ?? options.handle(emulatorRequest), fault);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      // An emulator bug must be loud in the test that hit it, not a hanging request.
      console.error('emulator request failed', error);
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}${options.basePath}`,
    port,
    requests,
    setFault(fault) {
      currentFault = fault === null ? null : emulatorFaultSchema.parse(fault);
    },
    setResponder(next) {
      responder = next;
    },
    close() {
      closed = true;
      for (const [timer, cancel] of timers) {
        clearTimeout(timer);
        cancel();
      }
      timers.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
