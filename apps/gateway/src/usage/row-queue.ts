/**
 * Serialised usage records (JSON documents) waiting for the database, kept as UTF-8 bytes outside the JS heap. A
 * queue of strings lives long enough to be promoted to the old generation, where it is copied by the scavenger on
 * the way and only freed by a full collection: under load that was most of the gateway's memory growth. Here a record
 * is copied once into a 256 KB chunk; a batch is read back as one JSON array text just before it is written.
 *
 * In a chunk every record is followed by a comma, so that consecutive records already are the inside of a JSON
 * array (each chunk starts with one spare byte for the opening bracket); on disk (spool and overflow files) the
 * separator is a newline, one record per line.
 */

const chunkSize = 256 * 1024;
const comma = 0x2c;
const newline = 0x0a;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/**
 * Emptied chunks, for the next records: a steady flow allocates no new buffers (each freed buffer would otherwise
 * wait for a full collection as external garbage). Bounded: a few MB at most.
 */
const pool: Buffer[] = [];
const poolLimit = 24;

/** Gives buffers from `takeLines` back once they are written (each one a whole chunk's buffer, or a view of one). */
export function recycleChunks(buffers: readonly Buffer[]): void {
  for (const buffer of buffers) {
    if (buffer.buffer.byteLength === chunkSize && pool.length < poolLimit) pool.push(Buffer.from(buffer.buffer, 0, chunkSize));
  }
}

interface Chunk {
  buffer: Buffer;
  /** Allocated here (and so returned to the pool when emptied), rather than handed in by `pushLines`. */
  owned: boolean;
  /** Bytes written. */
  end: number;
  /** End offset (after the separator) of each record written to this chunk. */
  rowEnds: number[];
  /** The first record not yet dropped, and where it starts. */
  firstRow: number;
  start: number;
}

export class RowQueue {
  private chunks: Chunk[] = [];
  private rowCount = 0;
  private byteCount = 0;

  get rows(): number {
    return this.rowCount;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Appends one record (one line of JSON). */
  push(text: string): void {
    // At most 3 bytes per UTF-16 unit: measured exactly only when that bound does not fit the current chunk.
    let length = text.length * 3 + 1;
    let chunk = this.chunks.at(-1);
    if (chunk === undefined || chunk.buffer.length - chunk.end < length) {
      length = Buffer.byteLength(text) + 1;
      if (chunk === undefined || chunk.buffer.length - chunk.end < length) chunk = this.newChunk(Math.max(chunkSize, length + 1));
    }
    length = chunk.buffer.write(text, chunk.end, 'utf8') + 1;
    chunk.end += length;
    chunk.buffer[chunk.end - 1] = comma;
    chunk.rowEnds.push(chunk.end);
    this.rowCount++;
    this.byteCount += length;
  }

  /**
   * Appends the records of a file that `takeLines` wrote (one per line, no blank line), read into `buffer` after one
   * spare byte; the buffer becomes a chunk of its own.
   */
  pushLines(buffer: Buffer): void {
    const rowEnds: number[] = [];
    for (let lineStart = 1; lineStart < buffer.length; ) {
      const lineEnd = buffer.indexOf(newline, lineStart);
      if (lineEnd <= lineStart) throw new Error('not a file of records, one per line');
      buffer[lineEnd] = comma;
      rowEnds.push(lineEnd + 1);
      lineStart = lineEnd + 1;
    }
    if (rowEnds.length === 0) return;
    this.chunks.push({ buffer, owned: false, end: buffer.length, rowEnds, firstRow: 0, start: 1 });
    this.rowCount += rowEnds.length;
    this.byteCount += buffer.length;
  }

  /** Moves every record of `other` to the end of this queue (no copy). */
  append(other: RowQueue): void {
    this.chunks.push(...other.chunks);
    this.rowCount += other.rowCount;
    this.byteCount += other.byteCount;
    other.chunks = [];
    other.rowCount = 0;
    other.byteCount = 0;
  }

  /**
   * The oldest records, at most `maxRows` and (past the first) `maxBytes`, as the text of one JSON array. Nothing is
   * removed: `drop` does that once the batch is written.
   */
  peekBatch(maxRows: number, maxBytes: number): { text: string; rows: number } {
    const chunk = this.chunks[0];
    if (chunk === undefined) return { text: '[]', rows: 0 };
    let rows = 1;
    const limit = Math.min(maxRows, chunk.rowEnds.length - chunk.firstRow);
    while (rows < limit && (chunk.rowEnds[chunk.firstRow + rows] as number) - chunk.start <= maxBytes) rows++;
    // The bytes around the records become the brackets for the moment of decoding: one flat string, no copies.
    const before = chunk.start - 1;
    const last = (chunk.rowEnds[chunk.firstRow + rows - 1] as number) - 1;
    const saved = chunk.buffer[before] as number;
    chunk.buffer[before] = openBracket;
    chunk.buffer[last] = closeBracket;
    const text = chunk.buffer.toString('utf8', before, last + 1);
    chunk.buffer[before] = saved;
    chunk.buffer[last] = comma;
    return { text, rows };
  }

  /** Removes the `rows` oldest records (a batch that was written). */
  drop(rows: number): void {
    let left = rows;
    while (left > 0) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const taken = Math.min(left, chunk.rowEnds.length - chunk.firstRow);
      chunk.firstRow += taken;
      const start = chunk.rowEnds[chunk.firstRow - 1] as number;
      this.byteCount -= start - chunk.start;
      chunk.start = start;
      this.rowCount -= taken;
      left -= taken;
      if (chunk.firstRow === chunk.rowEnds.length && (this.chunks.length > 1 || chunk.end === chunk.buffer.length)) {
        this.chunks.shift();
        this.byteCount -= chunk.end - chunk.start;
        release(chunk);
      }
    }
    if (this.rowCount === 0) {
      // The last chunk, now empty, goes back to the pool too.
      for (const chunk of this.chunks) release(chunk);
      this.chunks = [];
      this.byteCount = 0;
    }
  }

  /**
   * Empties the queue into spool-file bytes: the records in order, one per line, as views of the chunks (hand them
   * to `recycleChunks` once written).
   */
  takeLines(): Buffer[] {
    const parts: Buffer[] = [];
    for (const chunk of this.chunks) {
      if (chunk.firstRow === chunk.rowEnds.length) continue;
      for (let row = chunk.firstRow; row < chunk.rowEnds.length; row++) chunk.buffer[(chunk.rowEnds[row] as number) - 1] = newline;
      parts.push(chunk.buffer.subarray(chunk.start, chunk.rowEnds.at(-1)));
    }
    this.chunks = [];
    this.rowCount = 0;
    this.byteCount = 0;
    return parts;
  }

  private newChunk(size: number): Chunk {
    const buffer = (size === chunkSize ? pool.pop() : undefined) ?? Buffer.allocUnsafeSlow(size);
    const chunk: Chunk = { buffer, owned: true, end: 1, rowEnds: [], firstRow: 0, start: 1 };
    this.chunks.push(chunk);
    return chunk;
  }
}

function release(chunk: Chunk): void {
  if (chunk.owned && chunk.buffer.length === chunkSize && pool.length < poolLimit) pool.push(chunk.buffer);
}
