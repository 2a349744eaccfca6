import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { startAzureEmulator } from '../../src/emulators/azure-emulator.js';
import { defaultAwsAccessKeyId, defaultAwsSecretAccessKey, startBedrockEmulator } from '../../src/emulators/bedrock-emulator.js';
import type { EmulatorHandle } from '../../src/emulators/emulator-server.js';
import { startGoogleEmulator } from '../../src/emulators/google-emulator.js';
import { describeDatabase, openTestDatabase } from '../support/test-database.js';
import { MASTER_KEY, startTestGateway, type TestGateway } from '../support/test-gateway.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];
let database: Database;
let gateway: TestGateway;
let client: OpenAI;
const emulators: EmulatorHandle[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  const bedrock = await startBedrockEmulator();
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const google = await startGoogleEmulator({ apiKey: 'gemini-test-key', serviceAccountPublicKey: publicKey });
  const azure = await startAzureEmulator({ apiKey: 'azure-test-key' });
  emulators.push(bedrock, google, azure);
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
    AWS_ACCESS_KEY_ID: defaultAwsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: defaultAwsSecretAccessKey,
    GOOGLE_API_KEY: 'gemini-test-key',
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    AZURE_OPENAI_API_KEY: 'azure-test-key',
  };
  gateway = await startTestGateway({
    database,
    env: {
      ...secrets,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
      GOOGLE_GEMINI_BASE_URL: google.url,
      GOOGLE_VERTEX_BASE_URL: google.url,
      GOOGLE_CLOUD_LOCATION: 'us-central1',
      AZURE_OPENAI_ENDPOINT: azure.url,
    },
    secrets,
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all(emulators.map((emulator) => emulator.close()));
  await database.close();
});

async function costOf(requestId: string): Promise<unknown> {
  const response = await fetch(`${gateway.url}/api/v1/usage?trace_id=${requestId}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
  const body = (await response.json()) as { data: Array<{ cost: unknown; usage: unknown }> };
  return body.data[0];
}

async function streamText(model: string): Promise<{ text: string; usage: OpenAI.CompletionUsage | null | undefined; requestId: string }> {
  const { data: stream, response } = await client.chat.completions
    .create({ model, messages, max_tokens: 200, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage, requestId: response.headers.get('x-request-id')! };
}

describe(`the official openai client to Bedrock, Gemini, Vertex AI and Azure emulators (${describeDatabase()})`, () => {
  it('Bedrock Converse, plain and streamed, signed with SigV4; exact usage and cost', async () => {
    const model = 'anthropic.claude-3-haiku-20240307-v1:0';
    const { data, response } = await client.chat.completions.create({ model, messages, max_tokens: 200 }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('bedrock');
    expect(data.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 30 });
    // $0.25 / $1.25 per 1M: 7 × 0.25 + 30 × 1.25 = 1.75 + 37.5
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.00003925');
    const streamed = await streamText(`bedrock/${model}`);
    expect(streamed.text.length).toBeGreaterThan(0);
    expect(streamed.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 82 });
    expect(await costOf(streamed.requestId)).toMatchObject({ cost: { input: 0.00000325, output: 0.0001025, total: 0.00010575 } });
  });

  it('Gemini API: thoughts are output tokens priced at the output rate', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('gemini');
    expect(data.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 43, completion_tokens_details: { reasoning_tokens: 34 } });
    // $0.30 / $2.50 per 1M: 9 × 0.30 + (9 + 34) × 2.50 = 2.7 + 107.5
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0001102');
    const record = (await costOf(response.headers.get('x-request-id')!)) as { usage: unknown };
    expect(record.usage).toEqual({ input: { total: 9, noCache: 9, cacheRead: 0, cacheWrite: 0 }, output: { total: 43, text: 9, reasoning: 34 } });
    const streamed = await streamText('gemini/gemini-2.5-flash');
    expect(streamed.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 8 });
  });

  it('Vertex AI with a service-account key: token exchange, generateContent and streams', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'vertex/gemini-2.5-flash', messages }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('vertex');
    expect(data.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 8 });
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.0000239');
    const streamed = await streamText('vertex/gemini-2.5-flash');
    expect(streamed.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 101, completion_tokens_details: { reasoning_tokens: 100 } });
    // 5 × 0.30 + 101 × 2.50 per 1M
    expect(await costOf(streamed.requestId)).toMatchObject({ cost: { total: 0.000254 } });
  });

  it('Azure OpenAI deployments: api-key auth, content-filter results kept, exact cost', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'azure/gpt-4o', messages }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('azure');
    expect(data.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 9 });
    expect((data.choices[0] as unknown as { content_filter_results?: unknown }).content_filter_results).toBeDefined();
    // Azure gpt-4o: $2.50 / $10 per 1M: 14 × 2.5 + 9 × 10
    expect(response.headers.get('x-arbiter-cost-usd')).toBe('0.000125');
    const streamed = await streamText('azure/gpt-4o');
    expect(streamed.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 78 });
  });

  it('bare ids go to the provider that has credentials: gemini-2.5-pro → Gemini API, gpt-4o → OpenAI', async () => {
    const models: string[] = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain('anthropic.claude-3-haiku-20240307-v1:0');
    expect(models).toContain('gemini-3-pro-preview');
    const { response } = await client.chat.completions.create({ model: 'gemini-2.5-pro', messages }).withResponse();
    expect(response.headers.get('x-arbiter-provider')).toBe('gemini');
  });
});
