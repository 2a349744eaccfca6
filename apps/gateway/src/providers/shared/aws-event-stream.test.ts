import { readdirSync, readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { MessageHeaderValue } from '@smithy/eventstream-codec';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventStreamDecodeError, EventStreamDecoder } from './aws-event-stream.js';

/** aws-sdk-go's event-stream vectors: `encoded/<kind>/<name>` raw frames, `decoded/<kind>/<name>` the expectation. */
const testdata = new URL('../../../fixtures/providers/bedrock/eventstream/testdata/', import.meta.url);
const read = (path: string): Buffer => readFileSync(new URL(path, testdata));

const decodedSchema = z.object({
  total_length: z.number(),
  headers_length: z.number(),
  headers: z.array(z.object({ name: z.string(), type: z.number(), value: z.union([z.string(), z.number(), z.boolean()]) })),
  payload: z.string(),
});

/** Our header values in the vectors' notation: type codes 0-9, strings, byte arrays and uuids base64, times in ms. */
function toVectorNotation(name: string, header: MessageHeaderValue): { name: string; type: number; value: string | number | boolean } {
  switch (header.type) {
    case 'boolean':
      return { name, type: header.value ? 0 : 1, value: header.value };
    case 'byte':
      return { name, type: 2, value: header.value };
    case 'short':
      return { name, type: 3, value: header.value };
    case 'integer':
      return { name, type: 4, value: header.value };
    case 'long':
      return { name, type: 5, value: header.value.valueOf() };
    case 'binary':
      return { name, type: 6, value: Buffer.from(header.value).toString('base64') };
    case 'string':
      return { name, type: 7, value: Buffer.from(header.value).toString('base64') };
    case 'timestamp':
      return { name, type: 8, value: header.value.getTime() };
    case 'uuid':
      return { name, type: 9, value: Buffer.from(header.value.replace(/-/g, ''), 'hex').toString('base64') };
  }
}

describe('EventStreamDecoder on the official test vectors', () => {
  const positive = readdirSync(new URL('encoded/positive/', testdata)).sort();
  const negative = readdirSync(new URL('encoded/negative/', testdata)).sort();

  it('finds the vectors', () => {
    expect(positive).toEqual(['all_headers', 'empty_message', 'payload_no_headers', 'payload_one_str_header']);
    expect(negative).toEqual(['corrupted_header_len', 'corrupted_length', 'corrupted_payload']);
  });

  it.each(positive)('decodes positive/%s, whole and a byte at a time', (name) => {
    const frame = read(`encoded/positive/${name}`);
    const expected = decodedSchema.parse(JSON.parse(read(`decoded/positive/${name}`).toString('utf8')));
    expect(frame.readUInt32BE(0)).toBe(expected.total_length);

    const whole = new EventStreamDecoder().push(frame);
    const bytewise = new EventStreamDecoder();
    const pieces = [...frame].flatMap((byte) => bytewise.push(Uint8Array.of(byte)));
    bytewise.end();
    for (const messages of [whole, pieces]) {
      expect(messages).toHaveLength(1);
      const [message] = messages;
      expect(Buffer.from(message!.body).toString('base64')).toBe(expected.payload);
      expect(Object.entries(message!.headers).map(([header, value]) => toVectorNotation(header, value))).toEqual(expected.headers);
    }
  });

  it.each(negative)('rejects negative/%s with the reason the vector names', (name) => {
    const frame = read(`encoded/negative/${name}`);
    const reason = read(`decoded/negative/${name}`).toString('utf8').trim();
    expect(reason).toMatch(/^(Prelude|Message) checksum mismatch$/);
    const decode = () => {
      const decoder = new EventStreamDecoder();
      decoder.push(frame);
      decoder.end();
    };
    expect(decode).toThrow(EventStreamDecodeError);
    // The vectors name the checksum that fails; our messages say which one.
    expect(decode).toThrow(reason.startsWith('Prelude') ? /prelude checksum mismatch/ : /message checksum/);
  });

  it('decodes several frames from one chunk and a frame split over chunks', () => {
    const frames = Buffer.concat([read('encoded/positive/payload_one_str_header'), read('encoded/positive/empty_message'), read('encoded/positive/all_headers')]);
    const decoder = new EventStreamDecoder();
    const first = decoder.push(frames.subarray(0, 80));
    const rest = decoder.push(frames.subarray(80));
    decoder.end();
    expect(first).toHaveLength(2);
    expect(rest).toHaveLength(1);
  });

  it('rejects a stream that ends inside a frame, and an impossible length', () => {
    const frame = read('encoded/positive/all_headers');
    const truncated = new EventStreamDecoder();
    expect(truncated.push(frame.subarray(0, frame.length - 1))).toEqual([]);
    expect(() => truncated.end()).toThrow(/ended inside a frame/);

    // A prelude with a valid CRC that announces fewer bytes than a frame has.
    const tiny = Buffer.alloc(12);
    tiny.writeUInt32BE(8, 0);
    tiny.writeUInt32BE(crc32(tiny.subarray(0, 8)), 8);
    expect(() => new EventStreamDecoder().push(tiny)).toThrow(/impossible length/);
  });
});
