import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTableColumns, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeDatabase, openPrivateTestDatabase } from '../../test/support/test-database.js';
import type { Database } from '../db/database.js';
import { usageRecords, type UsageRecordRow } from '../db/schema.js';
import { listUsage } from './usage-query.js';
import { serializeRow, UsageRecorder } from './usage-recorder.js';

const silent = { error: () => undefined, warn: () => undefined };

function row(provider: string, index: number, startedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, index))): UsageRecordRow {
  return {
    id: randomUUID(),
    traceId: `trace-${index}`,
    tenantId: 'default',
    keyId: 'master',
    endpoint: 'chat.completions',
    provider,
    model: index % 2 === 0 ? 'even-model' : 'odd-model',
    requestedModel: 'm',
    stream: false,
    startedAt,
    endedAt: startedAt,
    latencyMs: 5,
    status: index % 5 === 0 ? 'error' : 'success',
    httpStatus: index % 5 === 0 ? 502 : 200,
    inputTokens: 10,
    inputNoCacheTokens: 10,
    inputCacheReadTokens: 0,
    inputCacheWriteTokens: 0,
    outputTokens: 20,
    outputTextTokens: 20,
    outputReasoningTokens: 0,
    inputCostUsd: '0.0000015',
    outputCostUsd: '0.000012',
    totalCostUsd: '0.0000135',
    warnings: [],
    prompt: [{ role: 'user', content: `question ${index}` }],
    response: `answer ${index}`,
  };
}

describe(`UsageRecorder on ${describeDatabase()}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openPrivateTestDatabase();
  });
  afterAll(async () => {
    await database.close();
  });

  it('writes in batches and lists newest first with filters and a cursor that walks every row once', async () => {
    const recorder = new UsageRecorder(database, { flushIntervalMs: 60_000, maxBatch: 7, spoolDir: mkdtempSync(join(tmpdir(), 'spool-')), logger: silent });
    const provider = `p-${randomUUID()}`;
    for (let index = 0; index < 25; index++) recorder.record(row(provider, index));
    await recorder.stop();
    expect(recorder.totalWritten).toBe(25);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listUsage(database, { tenantId: null }, { limit: 10, provider, cursor });
      seen.push(...page.data.map((record) => record.trace_id));
      cursor = page.next_cursor ?? undefined;
      expect(page.has_more).toBe(cursor !== undefined);
    } while (cursor !== undefined);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => `trace-${24 - index}`));

    const errors = await listUsage(database, { tenantId: null }, { limit: 50, provider, status: 'error' });
    expect(errors.data.map((record) => record.trace_id)).toEqual(['trace-20', 'trace-15', 'trace-10', 'trace-5', 'trace-0']);
    const even = await listUsage(database, { tenantId: null }, { limit: 50, provider, model: 'even-model', since: '2026-01-01T00:00:20Z' });
    expect(even.data).toHaveLength(3);
    expect(even.data[0]).toMatchObject({
      cost: { input: 0.0000015, output: 0.000012, total: 0.0000135 },
      usage: { input: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, output: { total: 20, text: 20, reasoning: 0 } },
      prompt: [{ role: 'user', content: 'question 24' }],
      response: 'answer 24',
    });
  });

  it('serialises every column of the table, by its column name and in its order', () => {
    const document = JSON.parse(serializeRow(row('p', 1))) as Record<string, unknown>;
    expect(Object.keys(document)).toEqual(Object.values(getTableColumns(usageRecords)).map((column) => column.name));
    expect(document).toMatchObject({ usage_estimated: false, warnings: [], user_id: null, trace_id: 'trace-1' });
  });

  it('keeps text outside ASCII exactly', async () => {
    const recorder = new UsageRecorder(database, { flushIntervalMs: 60_000, maxBatch: 10, spoolDir: mkdtempSync(join(tmpdir(), 'spool-')), logger: silent });
    const provider = `p-${randomUUID()}`;
    const text = 'Galaxy Day — “stars” für alle, 星の日 😀';
    recorder.record({ ...row(provider, 0), prompt: [{ role: 'user', content: text }], response: text, warnings: ['naïve'] });
    await recorder.flush(true);
    const [record] = (await listUsage(database, { tenantId: null }, { limit: 5, provider })).data;
    expect(record).toMatchObject({ prompt: [{ role: 'user', content: text }], response: text, warnings: ['naïve'] });
  });

  it('keeps records while the database refuses writes, retries, and loses none', async () => {
    const recorder = new UsageRecorder(database, { flushIntervalMs: 60_000, maxBatch: 100, spoolDir: mkdtempSync(join(tmpdir(), 'spool-')), logger: silent });
    const provider = `p-${randomUUID()}`;
    await database.db.execute(sql`alter table usage_records rename to usage_records_offline`);
    try {
      for (let index = 0; index < 10; index++) recorder.record(row(provider, index));
      await recorder.flush(true);
      expect(recorder.pending).toBe(10);
      expect(recorder.totalWritten).toBe(0);
    } finally {
      await database.db.execute(sql`alter table usage_records_offline rename to usage_records`);
    }
    recorder.record(row(provider, 10));
    await recorder.flush(true);
    expect(recorder.pending).toBe(0);
    expect((await listUsage(database, { tenantId: null }, { limit: 50, provider })).data).toHaveLength(11);
  });

  it('keeps what exceeds its memory bound in spool files while the database is behind, and writes it all later', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'spool-'));
    const provider = `p-${randomUUID()}`;
    // About three records fit in memory; the rest wait on disk.
    const recorder = new UsageRecorder(database, { flushIntervalMs: 60_000, maxBatch: 4, spoolDir, maxQueuedBytes: 2000, logger: silent });
    await database.db.execute(sql`alter table usage_records rename to usage_records_offline`);
    try {
      for (let index = 0; index < 30; index++) {
        recorder.record(row(provider, index));
        if (index % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
      }
      await recorder.flush(true);
      expect(recorder.pending).toBe(30);
      await vi.waitFor(() => expect(readdirSync(spoolDir).length).toBeGreaterThan(0));
    } finally {
      await database.db.execute(sql`alter table usage_records_offline rename to usage_records`);
    }
    recorder.record(row(provider, 30));
    await recorder.flush(true);
    expect(recorder.pending).toBe(0);
    expect(readdirSync(spoolDir)).toEqual([]);
    const listed = await listUsage(database, { tenantId: null }, { limit: 50, provider });
    expect(listed.data.map((record) => record.trace_id).sort()).toEqual(Array.from({ length: 31 }, (_, index) => `trace-${index}`).sort());
  });

  it('spools to disk when the database is down at shutdown and replays on the next start', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'spool-'));
    const provider = `p-${randomUUID()}`;
    const first = new UsageRecorder(database, { flushIntervalMs: 60_000, maxBatch: 100, spoolDir, logger: silent });
    await database.db.execute(sql`alter table usage_records rename to usage_records_offline`);
    try {
      for (let index = 0; index < 4; index++) first.record(row(provider, index));
      await first.stop(2);
    } finally {
      await database.db.execute(sql`alter table usage_records_offline rename to usage_records`);
    }
    const files = readdirSync(spoolDir);
    expect(files).toHaveLength(1);

    const second = new UsageRecorder(database, { flushIntervalMs: 60_000, maxBatch: 100, spoolDir, logger: silent });
    second.start();
    expect(second.pending).toBe(4);
    await second.stop();
    expect(existsSync(join(spoolDir, files[0]!))).toBe(false);
    const listed = await listUsage(database, { tenantId: null }, { limit: 50, provider });
    expect(listed.data).toHaveLength(4);
    expect(listed.data[0]?.started_at).toBe('2026-01-01T00:00:03.000Z');
  });
});
