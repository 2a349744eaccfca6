import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { describeDatabase, openTestDatabase } from '../support/test-database.js';
import { startTestGateway, type TestGateway } from '../support/test-gateway.js';

let database: Database;
let gateway: TestGateway;

beforeAll(async () => {
  database = await openTestDatabase();
  gateway = await startTestGateway({ database, listen: false });
});
afterAll(async () => {
  await gateway.close();
  await database.close();
});

describe(`ops routes (${describeDatabase()})`, () => {
  it('GET /health answers without a key', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(response.headers['x-request-id']).toBeTruthy();
  });

  it('GET /ready checks the database and its migrations', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', database: { kind: database.kind, migrations: 'applied' } });
  });

  it('GET /ready is 503 in the envelope when a dependency is down', async () => {
    const broken = await startTestGatewayWithProbe(() => Promise.reject(new Error('connection refused')));
    try {
      const response = await broken.app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: { code: 'service_unavailable', message: 'Redis is not reachable.' } });
    } finally {
      await broken.close();
    }
  });

  it('GET /docs serves OpenAPI generated from the route schemas', async () => {
    const spec = await gateway.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const document = spec.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>> };
    expect(document.openapi).toMatch(/^3\./);
    const chat = document.paths['/v1/chat/completions']?.post;
    expect(Object.keys(chat?.requestBody?.content['application/json']?.schema.properties ?? {})).toEqual(
      expect.arrayContaining(['model', 'messages', 'stream', 'tools', 'response_format']),
    );
    expect(document.paths['/api/v1/usage']).toBeDefined();
    const page = await gateway.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(page.statusCode);
  });
});

async function startTestGatewayWithProbe(check: () => Promise<void>): Promise<TestGateway> {
  return startTestGateway({ database, listen: false, probes: [{ name: 'Redis', check }] });
}
