import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { translateTransportError, type UpstreamResponse } from './http-client.js';

/**
 * Server-sent events from an upstream body, one message at a time. Transport failures in the middle of the stream
 * become UpstreamErrors (or the client's abort), so callers can end the client's stream with an error event.
 */
const feedSlice = 4096;

export async function* readServerSentEvents(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      const bytes = chunk as Uint8Array;
      // A large read (a fast upstream sends a whole answer at once) is decoded and parsed a slice at a time, so that
      // the first event reaches the client after a few kilobytes, not the whole read. The streaming decoder keeps a
      // character split across two slices whole.
      for (let offset = 0; offset < bytes.length; offset += feedSlice) {
        parser.feed(decoder.decode(bytes.length <= feedSlice ? bytes : bytes.subarray(offset, offset + feedSlice), { stream: true }));
        while (pending.length > 0) yield pending.shift() as EventSourceMessage;
      }
    }
  } catch (error) {
    throw translateTransportError(provider, error, signal);
  }
  parser.feed(decoder.decode());
  parser.reset({ consume: true });
  while (pending.length > 0) yield pending.shift() as EventSourceMessage;
}

/** Serialises one SSE data event, as every OpenAI-compatible client expects it. */
export function formatDataEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}
