import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { gatewayConfigSchema } from '@arbiter/shared';
import { exportPKCS8, generateKeyPair } from 'jose';
import type { z } from 'zod';
import type { Database } from '../../src/db/database.js';
import { startAnthropicEmulator } from '../../src/emulators/anthropic-emulator.js';
import { startAzureEmulator } from '../../src/emulators/azure-emulator.js';
import { defaultAwsAccessKeyId, defaultAwsSecretAccessKey, startBedrockEmulator } from '../../src/emulators/bedrock-emulator.js';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startGoogleEmulator } from '../../src/emulators/google-emulator.js';
import { startOpenAIEmulator } from '../../src/emulators/openai-emulator.js';
import { openTestDatabase } from './test-database.js';
import { MASTER_KEY, startTestGateway, type TestGateway } from './test-gateway.js';

export interface AllProvidersEnvironment {
  database: Database;
  gateway: TestGateway;
  emulators: { openai: EmulatorHandle; anthropic: EmulatorHandle; bedrock: EmulatorHandle; google: EmulatorHandle; azure: EmulatorHandle };
  usageFor(requestId: string): Promise<{ cost: { input: number; output: number; total: number } | null; usage: unknown; provider: string | null }>;
  close(): Promise<void>;
}

export interface AllProvidersOptions {
  /** arbiter.yaml content for this environment (e.g. a governance section, a config-declared provider). */
  config?: z.input<typeof gatewayConfigSchema>;
  /** Keys of config-declared providers (`api_key_env`). */
  secrets?: Record<string, string>;
}

/**
 * The gateway with every provider's emulator registered the way a user would: conventional variables, a Vertex
 * service-account key file (its RSA key made here; the emulator's token endpoint verifies the signature).
 */
export async function startAllProvidersEnvironment(options: AllProvidersOptions = {}): Promise<AllProvidersEnvironment> {
  const database = await openTestDatabase();
  const openai = await startOpenAIEmulator({ apiKey: 'sk-emulator' });
  const anthropic = await startAnthropicEmulator({ apiKey: 'sk-emulator' });
  const bedrock = await startBedrockEmulator();
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const google = await startGoogleEmulator({ apiKey: 'gemini-test-key', serviceAccountPublicKey: publicKey });
  const azure = await startAzureEmulator({ apiKey: 'azure-test-key' });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'vertex-')), 'service-account.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'arbiter-test',
      client_email: 'gateway@arbiter-test.iam.gserviceaccount.com',
      private_key: await exportPKCS8(privateKey),
      token_uri: google.tokenUrl,
    }),
  );
  const secrets = {
    OPENAI_API_KEY: 'sk-emulator',
    ANTHROPIC_API_KEY: 'sk-emulator',
    AWS_ACCESS_KEY_ID: defaultAwsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: defaultAwsSecretAccessKey,
    GOOGLE_API_KEY: 'gemini-test-key',
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    AZURE_OPENAI_API_KEY: 'azure-test-key',
  };
  const gateway = await startTestGateway({
    database,
    env: {
      ...secrets,
      OPENAI_BASE_URL: openai.url,
      ANTHROPIC_BASE_URL: anthropic.url,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      GOOGLE_GEMINI_BASE_URL: google.url,
      GOOGLE_VERTEX_BASE_URL: google.url,
      GOOGLE_CLOUD_LOCATION: 'us-central1',
      AZURE_OPENAI_ENDPOINT: azure.url,
    },
    secrets: { ...secrets, ...options.secrets },
    config: options.config,
  });
  const emulators = { openai, anthropic, bedrock, google, azure };
  return {
    database,
    gateway,
    emulators,
    async usageFor(requestId) {
      const response = await fetch(`${gateway.url}/api/v1/usage?trace_id=${encodeURIComponent(requestId)}`, {
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      });
      const body = (await response.json()) as { data: Array<{ cost: { input: number; output: number; total: number } | null; usage: unknown; provider: string | null }> };
      if (body.data.length !== 1) throw new Error(`expected one usage record for ${requestId}, found ${body.data.length}`);
      return body.data[0]!;
    },
    async close() {
      await gateway.close();
      await Promise.all(Object.values(emulators).map((emulator) => emulator.close()));
      await database.close();
    },
  };
}
