import { readFileSync } from 'node:fs';
import { gatewayConfigSchema, usageListSchema, type UsageRecordView } from '@arbiter/shared';
import type { z } from 'zod';
import OpenAI from 'openai';
import { startAnthropicEmulator } from '../../src/emulators/anthropic-emulator.js';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startOpenAIEmulator } from '../../src/emulators/openai-emulator.js';
import type { Database } from '../../src/db/database.js';
import { openPrivateTestDatabase, openTestDatabase } from './test-database.js';
import { MASTER_KEY, startTestGateway, uniqueProviderId, type TestGateway } from './test-gateway.js';

export const EMULATOR_KEY = 'sk-emulator';

export interface E2EEnvironment {
  database: Database;
  openaiEmulator: EmulatorHandle;
  anthropicEmulator: EmulatorHandle;
  gateway: TestGateway;
  /** The official OpenAI client pointed at the gateway, as a user would configure it. */
  client: OpenAI;
  /** A config-declared OpenAI-compatible provider (served by the OpenAI emulator) with a short timeout. */
  localProvider: string;
  usageFor(requestId: string): Promise<UsageRecordView>;
  close(): Promise<void>;
}

/**
 * The gateway on port 0 with both emulators as its upstreams and the official clients pointed at it. The database
 * is the real PostgreSQL when DATABASE_URL is set, else the embedded PGlite.
 */
export interface E2EOptions {
  /** `routes:` and `routing:` sections of arbiter.yaml for this environment. */
  routes?: z.input<typeof gatewayConfigSchema>['routes'];
  routing?: z.input<typeof gatewayConfigSchema>['routing'];
  /** The `guardrails:` section (default: policy none). */
  guardrails?: z.input<typeof gatewayConfigSchema>['guardrails'];
  /** A database of the test's own: for assertions about what the whole gateway does that other tests' rows (tenants
   *  with their own guardrail policies, say) would change on a shared PostgreSQL. */
  privateDatabase?: boolean;
}

export async function startE2EEnvironment(options: E2EOptions = {}): Promise<E2EEnvironment> {
  const database = options.privateDatabase === true ? await openPrivateTestDatabase() : await openTestDatabase();
  const openaiEmulator = await startOpenAIEmulator({ apiKey: EMULATOR_KEY });
  const anthropicEmulator = await startAnthropicEmulator({ apiKey: EMULATOR_KEY });
  const localProvider = uniqueProviderId('local');
  const gateway = await startTestGateway({
    database,
    env: {
      OPENAI_API_KEY: EMULATOR_KEY,
      OPENAI_BASE_URL: openaiEmulator.url,
      ANTHROPIC_API_KEY: EMULATOR_KEY,
      ANTHROPIC_BASE_URL: anthropicEmulator.url,
    },
    secrets: { OPENAI_API_KEY: EMULATOR_KEY, ANTHROPIC_API_KEY: EMULATOR_KEY, LOCAL_LLM_KEY: EMULATOR_KEY },
    config: {
      providers: {
        [localProvider]: {
          kind: 'openai-compatible',
          base_url: openaiEmulator.url,
          api_key_env: 'LOCAL_LLM_KEY',
          timeout_ms: 400,
          quirks: { json_schema: false },
        },
      },
      models: [{ id: `${localProvider}-llama`, provider: localProvider, upstream_model: 'llama3.1', price: { input_per_1k: 0.001, output_per_1k: 0.002 } }],
      routes: options.routes,
      routing: options.routing,
      guardrails: options.guardrails,
    },
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0, logLevel: 'off' });

  async function usageFor(requestId: string): Promise<UsageRecordView> {
    await gateway.recorder.flush(true);
    const response = await fetch(`${gateway.url}/api/v1/usage?trace_id=${encodeURIComponent(requestId)}`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    const list = usageListSchema.parse(await response.json());
    if (list.data.length !== 1) throw new Error(`expected one usage record for ${requestId}, found ${list.data.length}`);
    return list.data[0]!;
  }

  return {
    database,
    openaiEmulator,
    anthropicEmulator,
    gateway,
    client,
    localProvider,
    usageFor,
    async close() {
      await gateway.close();
      await Promise.all([openaiEmulator.close(), anthropicEmulator.close()]);
      await database.close();
    },
  };
}

/** A recorded fixture, read directly (not through the emulator's loader) for the expected values. */
export function readFixture(path: string): string {
  return readFileSync(new URL(`../../fixtures/providers/${path}`, import.meta.url), 'utf8');
}

export function readJsonFixture<T>(path: string): T {
  return JSON.parse(readFixture(path)) as T;
}
