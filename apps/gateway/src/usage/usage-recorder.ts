import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { UsageRecordRow } from '../db/schema.js';
import { recycleChunks, RowQueue } from './row-queue.js';

export interface UsageRecorderOptions {
  flushIntervalMs: number;
  maxBatch: number;
  /** Where records go when the database is unreachable at shutdown; replayed at the next start. */
  spoolDir: string;
  /**
   * How many bytes of serialised records wait in memory for the database. Past it, new records wait in spool files
   * instead and are read back once the database has caught up: a database slower than the traffic costs disk, not
   * the gateway's memory.
   */
  maxQueuedBytes?: number;
  logger: { error: (object: object, message: string) => void; warn: (object: object, message: string) => void };
}

const MAX_BACKOFF_MS = 30_000;
const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/**
 * A batch's text stays under V8's large-object size (128 KB) even with two bytes per character (one character outside
 * Latin-1 is enough), so it is young garbage once sent rather than a large object that only a full collection frees.
 */
const MAX_BATCH_BYTES = 60 * 1024;

/** A spool file written while the database was behind, waiting to be read back. */
interface Overflow {
  file: string;
  rows: number;
  /** Settles once the file is on disk (or its records went back to memory because the write failed). */
  written: Promise<void>;
}

/**
 * Usage records never sit on the client's path: `record` only appends to memory. A timer writes them in multi-row
 * batches; a failed write keeps the batch and retries with backoff; shutdown flushes, and whatever the database
 * still refuses is spooled to disk and replayed on the next start. Nothing accepted is dropped. When the database
 * falls behind, the records past `maxQueuedBytes` go to spool files at once and are written after those in memory.
 */
export class UsageRecorder {
  /** Serialised when recorded, and kept as bytes outside the JS heap (see RowQueue). */
  private readonly queue = new RowQueue();
  /** Records past the memory bound, on their way to the next overflow file. */
  private readonly overflow = new RowQueue();
  private overflowFiles: Overflow[] = [];
  private overflowSequence = 0;
  private readBuffer: Buffer | null = null;
  private readonly maxQueuedBytes: number;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private retryAt = 0;
  private written = 0;
  /** Spool files whose rows are queued; deleted once those rows are in the database (or spooled anew). */
  private replayedFiles: string[] = [];

  constructor(
    private readonly database: Database,
    private readonly options: UsageRecorderOptions,
  ) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  start(): void {
    this.replaySpool();
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Rows recorded in this turn of the event loop: serialised right after the responses of this turn went out. */
  private incoming: UsageRecordRow[] = [];
  private serializeScheduled = false;
  private readonly serializeIncomingNow = () => this.serializeIncoming();

  record(row: UsageRecordRow): void {
    this.incoming.push(row);
    if (!this.serializeScheduled) {
      this.serializeScheduled = true;
      setImmediate(this.serializeIncomingNow);
    }
  }

  get pending(): number {
    let rows = this.queue.rows + this.incoming.length + this.overflow.rows;
    for (const overflow of this.overflowFiles) rows += overflow.rows;
    return rows;
  }

  private serializeIncoming(): void {
    this.serializeScheduled = false;
    if (this.incoming.length === 0) return;
    const rows = this.incoming;
    this.incoming = [];
    for (const row of rows) {
      const text = serializeRow(row);
      // Older overflow goes first: once records wait on disk, new ones follow them there.
      if (this.overflowFiles.length > 0 || this.overflow.rows > 0 || this.queue.bytes + text.length > this.maxQueuedBytes) {
        this.overflow.push(text);
      } else {
        this.queue.push(text);
      }
    }
    if (this.overflow.bytes >= this.maxQueuedBytes / 4) this.writeOverflow();
    if (this.queue.rows >= this.options.maxBatch && this.flushing === null) void this.flush();
  }

  get totalWritten(): number {
    return this.written;
  }

  /** Writes everything queued now; resolves when done or when the database refused (rows stay queued). */
  flush(force = false): Promise<void> {
    this.serializeIncoming();
    if (this.flushing !== null) return this.flushing;
    if (this.pending === 0 || (!force && Date.now() < this.retryAt)) return Promise.resolve();
    this.flushing = this.writeQueued().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Final flush at shutdown, with a few retries; what still cannot be written goes to the spool. */
  async stop(attempts = 3): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.serializeIncoming();
    for (let attempt = 0; attempt < attempts && this.pending > 0; attempt++) {
      if (this.flushing !== null) await this.flushing;
      await this.flush(true);
      if (this.pending > 0 && attempt + 1 < attempts) await delay(200 * (attempt + 1));
    }
    await Promise.all(this.overflowFiles.map((overflow) => overflow.written));
    // Overflow files are spool files already: the next start replays them with the rest.
    if (this.queue.rows > 0 || this.overflow.rows > 0) this.spool();
  }

  private async writeQueued(): Promise<void> {
    for (;;) {
      if (this.queue.rows === 0 && !(await this.readOverflow())) break;
      const batch = this.queue.peekBatch(this.options.maxBatch, MAX_BATCH_BYTES);
      try {
        // json (not jsonb) input: PostgreSQL reads each row's fields straight from the text, without first building
        // the binary jsonb document of the whole batch (a third less database CPU per row, measured on PGlite).
        await this.database.db.execute(sql`insert into usage_records
          select * from json_populate_recordset(null::usage_records, ${batch.text}::json)
          on conflict (id) do nothing`);
      } catch (error) {
        this.failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures, 6));
        this.retryAt = Date.now() + backoff;
        this.options.logger.error({ err: error, pending: this.pending, retryInMs: backoff }, 'usage write failed; will retry');
        return;
      }
      // Remove only what was written: records appended during the write stay queued.
      this.queue.drop(batch.rows);
      this.written += batch.rows;
      this.failures = 0;
      this.retryAt = 0;
      if (this.queue.rows === 0) this.removeReplayedFiles();
    }
  }

  /** Moves the records past the memory bound to a new spool file, written off the event loop. */
  private writeOverflow(): void {
    if (this.overflow.rows === 0) return;
    const rows = this.overflow.rows;
    const lines = this.overflow.takeLines();
    mkdirSync(this.options.spoolDir, { recursive: true });
    const file = join(this.options.spoolDir, `usage-${Date.now()}-${process.pid}-${String(this.overflowSequence++).padStart(6, '0')}.jsonl`);
    const overflow: Overflow = {
      file,
      rows,
      written: writeFile(file, lines).then(
        () => recycleChunks(lines),
        (error: unknown) => {
          // The disk refused: the records stay in memory rather than be lost.
          this.overflowFiles = this.overflowFiles.filter((entry) => entry !== overflow);
          this.queue.pushLines(Buffer.concat([Buffer.alloc(1), ...lines]));
          this.options.logger.error({ err: error, file, records: rows }, 'usage overflow could not be written to disk; kept in memory');
        },
      ),
    };
    this.overflowFiles.push(overflow);
  }

  /** Refills the (empty) queue with the oldest overflow: a file, else the records not yet written to one. */
  private async readOverflow(): Promise<boolean> {
    const overflow = this.overflowFiles[0];
    if (overflow === undefined) {
      if (this.overflow.rows === 0) return false;
      this.queue.append(this.overflow);
      return true;
    }
    await overflow.written;
    if (this.overflowFiles[0] !== overflow) return this.queue.rows > 0 || this.readOverflow();
    this.queue.pushLines(await this.readIntoBuffer(overflow.file));
    this.overflowFiles.shift();
    // Deleted once its rows are written, like a spool file replayed at start.
    this.replayedFiles.push(overflow.file);
    return this.queue.rows > 0;
  }

  /**
   * A file's bytes after one spare byte (see RowQueue.pushLines), in one buffer reused from file to file: the queue
   * is empty whenever an overflow file is read, so the previous file's records are all written.
   */
  private async readIntoBuffer(file: string): Promise<Buffer> {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (this.readBuffer === null || this.readBuffer.length < size + 1) this.readBuffer = Buffer.allocUnsafeSlow(Math.max(size + 1, this.maxQueuedBytes / 2));
      let read = 0;
      while (read < size) {
        const { bytesRead } = await handle.read(this.readBuffer, 1 + read, size - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return this.readBuffer.subarray(0, 1 + read);
    } finally {
      await handle.close();
    }
  }

  private removeReplayedFiles(): void {
    const files = this.replayedFiles;
    if (files.length === 0) return;
    this.replayedFiles = [];
    for (const file of files) rmSync(file, { force: true });
  }

  private spool(): void {
    mkdirSync(this.options.spoolDir, { recursive: true });
    const rows = this.queue.rows + this.overflow.rows;
    const file = join(this.options.spoolDir, `usage-${Date.now()}-${process.pid}.jsonl`);
    writeFileSync(file, Buffer.concat([...this.queue.takeLines(), ...this.overflow.takeLines()]));
    this.options.logger.warn({ file, records: rows }, 'database unreachable at shutdown; usage records spooled to disk');
    for (const replayed of this.replayedFiles) rmSync(replayed, { force: true });
    this.replayedFiles = [];
  }

  private replaySpool(): void {
    let files: string[];
    try {
      files = readdirSync(this.options.spoolDir).filter((name) => name.startsWith('usage-') && name.endsWith('.jsonl'));
    } catch {
      return; // no spool directory: nothing was ever spooled
    }
    for (const name of files.sort()) {
      const file = join(this.options.spoolDir, name);
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() !== '') this.queue.push(line.trim());
      }
      // The file stays until its rows are written; ids make a second replay after a crash harmless.
      this.replayedFiles.push(file);
    }
  }
}

/**
 * One statement, one parameter per batch: the rows as a JSON array that PostgreSQL expands itself
 * (json_populate_recordset). Building a 500-row insert with a parameter per column cost more CPU than serving the
 * requests did (measured: 18% of a core in drizzle's query builder at 2k req/s). The same document is the spool line.
 * One object literal of the table's columns (its shape known to the JIT) and one JSON.stringify; a test checks the
 * names against the drizzle schema. Missing values get the database's defaults.
 */
export function serializeRow(row: UsageRecordRow): string {
  return JSON.stringify({
    id: row.id,
    trace_id: row.traceId,
    tenant_id: row.tenantId,
    key_id: row.keyId,
    user_id: row.userId ?? null,
    endpoint: row.endpoint,
    provider: row.provider ?? null,
    model: row.model ?? null,
    requested_model: row.requestedModel ?? null,
    stream: row.stream,
    started_at: row.startedAt,
    ended_at: row.endedAt,
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs ?? null,
    status: row.status,
    http_status: row.httpStatus,
    error_code: row.errorCode ?? null,
    error_message: row.errorMessage ?? null,
    input_tokens: row.inputTokens ?? null,
    input_no_cache_tokens: row.inputNoCacheTokens ?? null,
    input_cache_read_tokens: row.inputCacheReadTokens ?? null,
    input_cache_write_tokens: row.inputCacheWriteTokens ?? null,
    output_tokens: row.outputTokens ?? null,
    output_text_tokens: row.outputTextTokens ?? null,
    output_reasoning_tokens: row.outputReasoningTokens ?? null,
    usage_estimated: row.usageEstimated ?? false,
    input_cost_usd: row.inputCostUsd ?? null,
    output_cost_usd: row.outputCostUsd ?? null,
    total_cost_usd: row.totalCostUsd ?? null,
    warnings: row.warnings ?? [],
    prompt: row.prompt ?? null,
    response: row.response ?? null,
    guardrails: row.guardrails ?? null,
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
