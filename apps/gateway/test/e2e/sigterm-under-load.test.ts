import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inArray } from 'drizzle-orm';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { openDatabase } from '../../src/db/database.js';
import { usageRecords } from '../../src/db/schema.js';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startOpenAIEmulator } from '../../src/emulators/openai-emulator.js';
import { spawnGatewayProcess } from '../support/gateway-process.js';
import { describeDatabase } from '../support/test-database.js';

const MASTER_KEY = 'sk-sigterm-test';
let emulator: EmulatorHandle;

beforeAll(async () => {
  emulator = await startOpenAIEmulator({ apiKey: 'sk-emulator', fast: true });
});
afterAll(async () => {
  await emulator.close();
});

describe(`usage records survive a SIGTERM under load (${describeDatabase()})`, () => {
  it('every request that got an answer has its record after the process exits', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-sigterm-'));
    const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = readEnv();
    const { origin, child, exited } = await spawnGatewayProcess(
      {
        ARBITER_MASTER_KEY: MASTER_KEY,
        ARBITER_DATA_DIR: dataDir,
        ARBITER_LOG_LEVEL: 'warn',
        OPENAI_API_KEY: 'sk-emulator',
        OPENAI_BASE_URL: emulator.url,
        DATABASE_URL: databaseUrl,
        // With REDIS_URL the process only becomes ready once its Redis probe answers.
        REDIS_URL: redisUrl,
      },
      200,
    );

    const pool = new Pool(origin, { connections: 32 });
    const answered: string[] = [];
    const statuses = new Map<string, string>();
    let stop = false;
    const runId = randomUUID().slice(0, 8);
    let sequence = 0;
    const workers = Array.from({ length: 32 }, async () => {
      while (!stop) {
        const requestId = `sigterm-${runId}-${sequence++}`;
        try {
          const response = await pool.request({
            path: '/v1/chat/completions',
            method: 'POST',
            headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-request-id': requestId },
            body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
          });
          const text = await response.body.text();
          statuses.set(requestId, `${response.statusCode} ${text.slice(0, 80)}`);
          // Answered, whatever the status (a 503 while closing is an answer and must be recorded too).
          answered.push(requestId);
        } catch {
          // Connection refused or reset once the server stopped listening: never accepted, nothing to record.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const answeredBeforeSignal = answered.length;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    stop = true;
    await Promise.all(workers);
    await pool.close();
    expect(answeredBeforeSignal).toBeGreaterThan(100);

    const database = await openDatabase({ databaseUrl, dataDir });
    try {
      const found = new Set<string>();
      for (let index = 0; index < answered.length; index += 1000) {
        const rows = await database.db
          .select({ traceId: usageRecords.traceId })
          .from(usageRecords)
          .where(inArray(usageRecords.traceId, answered.slice(index, index + 1000)));
        for (const row of rows) found.add(row.traceId);
      }
      const missing = answered.filter((id) => !found.has(id));
      expect(missing.map((id) => `${id}: ${statuses.get(id) ?? ''}`)).toEqual([]);
      expect(found.size).toBe(answered.length);
    } finally {
      await database.close();
    }
    // Whatever was refused while closing was refused in the OpenAI envelope.
    for (const [id, status] of statuses) {
      if (!status.startsWith('200')) expect(status, id).toMatch(/^503 \{"error":\{"message":"The gateway is shutting down/);
    }
  }, 60_000);
});
