import { crc32 } from 'node:zlib';
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { translateTransportError, type UpstreamResponse } from './http-client.js';
import { UpstreamError } from './upstream-error.js';

/**
 * The AWS event-stream framing (`application/vnd.amazon.eventstream`, see fixtures/providers/bedrock/eventstream/spec):
 * each message is a 12-byte prelude (total length, headers length, prelude CRC32), headers, payload and a CRC32 of
 * everything before it. Frames arrive split across and merged within TCP reads; this splits them back out.
 */

export type EventStreamMessage = Message;

const preludeLength = 12;
/** Prelude plus message CRC: the smallest frame (no headers, empty payload). */
const minimumFrameLength = 16;
/** The spec allows 16 MiB of payload and 128 KiB of headers; a larger length is garbage, not a frame to wait for. */
const maximumFrameLength = 16 * 1024 * 1024 + 128 * 1024 + minimumFrameLength;

/** A frame that fails its checksums or framing rules: the stream cannot be trusted past it. */
export class EventStreamDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStreamDecodeError';
  }
}

/** Splits bytes into frames and decodes them; the codec checks the prelude and message CRCs of each. */
export class EventStreamDecoder {
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private buffer: Buffer = Buffer.alloc(0);
  /** The total length of the frame at the head of the buffer, once its prelude is checked. */
  private frameLength: number | null = null;

  /** Feeds bytes; returns the messages they complete. Throws EventStreamDecodeError on a corrupted frame. */
  push(chunk: Uint8Array): EventStreamMessage[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const messages: EventStreamMessage[] = [];
    for (;;) {
      if (this.frameLength === null) {
        if (this.buffer.length < preludeLength) break;
        this.frameLength = checkPrelude(this.buffer);
      }
      if (this.buffer.length < this.frameLength) break;
      const frame = this.buffer.subarray(0, this.frameLength);
      this.buffer = this.buffer.subarray(this.frameLength);
      this.frameLength = null;
      messages.push(this.decodeFrame(frame));
    }
    return messages;
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    if (this.buffer.length > 0) {
      throw new EventStreamDecodeError(`the stream ended inside a frame (${this.buffer.length} bytes left over)`);
    }
  }

  private decodeFrame(frame: Buffer): EventStreamMessage {
    try {
      return this.codec.decode(frame);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new EventStreamDecodeError(`an event-stream frame is corrupted: ${reason}`, { cause: error });
    }
  }
}

/**
 * Checks the prelude CRC before the length is trusted: a corrupted length would otherwise make the decoder wait for
 * bytes that never come, or cut the next frame in the wrong place. (`zlib.crc32` needs Node 20.15 or later.)
 */
function checkPrelude(buffer: Buffer): number {
  const totalLength = buffer.readUInt32BE(0);
  const headersLength = buffer.readUInt32BE(4);
  if (crc32(buffer.subarray(0, 8)) !== buffer.readUInt32BE(8)) {
    throw new EventStreamDecodeError('an event-stream frame is corrupted: prelude checksum mismatch');
  }
  if (totalLength < minimumFrameLength || totalLength > maximumFrameLength || headersLength > totalLength - minimumFrameLength) {
    throw new EventStreamDecodeError(`an event-stream frame has an impossible length (${totalLength} bytes, ${headersLength} of headers)`);
  }
  return totalLength;
}

/** The string value of a message header (`:event-type`, `:message-type`, …), or null. */
export function readStringHeader(message: EventStreamMessage, name: string): string | null {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : null;
}

/**
 * Event-stream messages from an upstream body. Transport failures become UpstreamErrors (or the client's abort);
 * a corrupted frame or a stream that ends inside a frame becomes `upstream_invalid_response`.
 */
export async function* readEventStreamMessages(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal,
): AsyncGenerator<EventStreamMessage> {
  const decoder = new EventStreamDecoder();
  const invalid = (error: EventStreamDecodeError) =>
    new UpstreamError('upstream_invalid_response', { provider, upstreamStatus: response.status, message: error.message, cause: error });
  try {
    for await (const chunk of response.body) {
      yield* decoder.push(chunk as Uint8Array);
    }
    decoder.end();
  } catch (error) {
    if (error instanceof EventStreamDecodeError) throw invalid(error);
    throw translateTransportError(provider, error, signal);
  }
}
