import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inArray } from 'drizzle-orm';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { openDatabase } from '../../src/db/database.js';
import { usageRecords } from '../../src/db/schema.js';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startOpenAIEmulator } from '../../src/emulators/openai-emulator.js';
import { describeDatabase } from '../support/test-database.js';

const MASTER_KEY = 'sk-sigterm-test';
let emulator: EmulatorHandle;

beforeAll(async () => {
  emulator = await startOpenAIEmulator({ apiKey: 'sk-emulator', fast: true });
});
afterAll(async () => {
  await emulator.close();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

describe(`usage records survive a SIGTERM under load (${describeDatabase()})`, () => {
  it('every request that got an answer has its record after the process exits', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'arbiter-sigterm-'));
    const port = await freePort();
    const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = readEnv();
    const mainPath = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', mainPath], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        ARBITER_MASTER_KEY: MASTER_KEY,
        ARBITER_DATA_DIR: dataDir,
        ARBITER_LOG_LEVEL: 'warn',
        OPENAI_API_KEY: 'sk-emulator',
        OPENAI_BASE_URL: emulator.url,
        ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
        // With REDIS_URL the process only becomes ready once its Redis probe answers.
        ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const origin = `http://127.0.0.1:${port}`;
    let ready = false;
    for (let attempt = 0; attempt < 200 && !ready; attempt++) {
      ready = await fetch(`${origin}/ready`).then((response) => response.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toBe(true);

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
