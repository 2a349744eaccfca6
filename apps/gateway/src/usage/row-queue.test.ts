import { describe, expect, it } from 'vitest';
import { RowQueue } from './row-queue.js';

describe('RowQueue', () => {
  it('hands out the oldest records as JSON array text, bounded in rows and bytes, until dropped', () => {
    const queue = new RowQueue();
    for (let index = 0; index < 5; index++) queue.push(JSON.stringify({ index }));
    expect(queue.rows).toBe(5);
    expect(queue.peekBatch(2, 1000)).toEqual({ text: '[{"index":0},{"index":1}]', rows: 2 });
    // Past the first record, a batch stops before `maxBytes`.
    expect(queue.peekBatch(10, 20).rows).toBe(1);
    queue.drop(2);
    expect(JSON.parse(queue.peekBatch(10, 1000).text)).toEqual([{ index: 2 }, { index: 3 }, { index: 4 }]);
    queue.drop(3);
    expect(queue.rows).toBe(0);
    expect(queue.bytes).toBe(0);
  });

  it('keeps text outside ASCII, also across batches and spool lines', () => {
    const queue = new RowQueue();
    const records = ['— “dash”', '星の日 😀', 'plain'].map((text) => JSON.stringify({ text }));
    for (const record of records) queue.push(record);
    expect(JSON.parse(queue.peekBatch(10, 1000).text)).toEqual(records.map((record) => JSON.parse(record) as unknown));
    queue.drop(1);
    const again = new RowQueue();
    again.pushLines(Buffer.concat([Buffer.alloc(1), ...queue.takeLines()]));
    expect(JSON.parse(again.peekBatch(10, 1000).text)).toEqual(records.slice(1).map((record) => JSON.parse(record) as unknown));
  });

  it('spans chunks: records larger than a chunk, and many small ones', () => {
    const queue = new RowQueue();
    const large = JSON.stringify({ text: 'x'.repeat(300 * 1024) });
    const written: string[] = [];
    for (let index = 0; index < 3000; index++) {
      const record = index === 1500 ? large : JSON.stringify({ index, text: 'y'.repeat(200) });
      written.push(record);
      queue.push(record);
    }
    const read: unknown[] = [];
    while (queue.rows > 0) {
      const batch = queue.peekBatch(250, 120 * 1024);
      read.push(...(JSON.parse(batch.text) as unknown[]));
      queue.drop(batch.rows);
    }
    expect(read).toEqual(written.map((record) => JSON.parse(record) as unknown));
    expect(queue.bytes).toBe(0);
  });

  it('round-trips through spool lines, also after part of the queue was written', () => {
    const queue = new RowQueue();
    for (let index = 0; index < 4; index++) queue.push(JSON.stringify({ index }));
    queue.drop(1);
    const lines = Buffer.concat(queue.takeLines());
    expect(lines.toString('utf8')).toBe('{"index":1}\n{"index":2}\n{"index":3}\n');
    expect(queue.rows).toBe(0);
    const again = new RowQueue();
    again.push(JSON.stringify({ index: 0 }));
    again.pushLines(Buffer.concat([Buffer.alloc(1), lines]));
    expect(again.rows).toBe(4);
    expect(JSON.parse(again.peekBatch(10, 1000).text)).toEqual([{ index: 0 }]);
    again.drop(1);
    expect(JSON.parse(again.peekBatch(10, 1000).text)).toEqual([{ index: 1 }, { index: 2 }, { index: 3 }]);
  });
});
