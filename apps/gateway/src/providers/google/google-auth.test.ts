import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '@arbiter/shared';
import { decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpClient } from '../shared/http-client.js';
import { serveRecording, type RecordingServer } from '../shared/test-support/serve-recording.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { GoogleAccessTokenProvider, cloudPlatformScope, readServiceAccountFile, type GoogleServiceAccount } from './google-auth.js';

type PublicKey = Awaited<ReturnType<typeof generateKeyPair>>['publicKey'];

interface TokenRequest {
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
  claims: JWTPayload | null;
  kid: string | undefined;
}

let upstream: RecordingServer;
let http: HttpClient;
let tokenUri: string;
let publicKey: PublicKey;
let privateKeyPem: string;
let otherPrivateKeyPem: string;
const requests: TokenRequest[] = [];
let answer: { delayMs?: number; status?: number } = {};

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  publicKey = pair.publicKey;
  privateKeyPem = await exportPKCS8(pair.privateKey);
  otherPrivateKeyPem = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey);

  upstream = await serveRecording({
    reply: async (request) => {
      const form = new URLSearchParams(request.raw);
      const assertion = form.get('assertion') ?? '';
      const claims = await jwtVerify(assertion, publicKey, { audience: tokenUri, algorithms: ['RS256'] }).then(
        (result) => result.payload,
        () => null,
      );
      requests.push({ headers: request.headers, form, claims, kid: claims === null ? undefined : decodeProtectedHeader(assertion).kid });
      if (answer.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      const headers = { 'content-type': 'application/json; charset=utf-8' };
      if (answer.status !== undefined) {
        return { status: answer.status, headers, body: JSON.stringify({ error: 'backend_error', error_description: 'try later' }) };
      }
      if (claims === null) {
        return { status: 400, headers, body: JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }) };
      }
      return { headers, body: JSON.stringify({ access_token: `ya29.token-${requests.length}`, expires_in: 3599, token_type: 'Bearer' }) };
    },
    connections: 8,
  });
  tokenUri = `${upstream.url}/token`;
  http = upstream.http;
});

afterAll(() => upstream.close());

beforeEach(() => {
  requests.length = 0;
  answer = {};
});

function createProvider(account: Partial<GoogleServiceAccount> = {}, now: () => number = Date.now): GoogleAccessTokenProvider {
  const serviceAccount = { client_email: 'gateway@my-project.iam.gserviceaccount.com', private_key: privateKeyPem, token_uri: tokenUri, ...account };
  return new GoogleAccessTokenProvider({ provider: 'vertex', serviceAccount, http, now });
}

const signal = (): AbortSignal => new AbortController().signal;

describe('GoogleAccessTokenProvider', () => {
  it('exchanges an RS256 assertion signed with the service-account key for a token', async () => {
    const token = await createProvider({ private_key_id: 'key-1' }).getAccessToken(signal());
    expect(token).toBe('ya29.token-1');
    const [request] = requests;
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(request?.kid).toBe('key-1');
    expect(request?.claims).toMatchObject({ iss: 'gateway@my-project.iam.gserviceaccount.com', scope: cloudPlatformScope, aud: tokenUri });
    expect((request?.claims?.exp ?? 0) - (request?.claims?.iat ?? 0)).toBe(3600);
  });

  it('caches the token until five minutes before it expires', async () => {
    let now = Date.now();
    const provider = createProvider({}, () => now);
    expect(await provider.getAccessToken(signal())).toBe('ya29.token-1');
    now += 54 * 60_000;
    expect(await provider.getAccessToken(signal())).toBe('ya29.token-1');
    expect(requests).toHaveLength(1);
    now += 60_000;
    expect(await provider.getAccessToken(signal())).toBe('ya29.token-2');
    expect(requests).toHaveLength(2);
  });

  it('shares one refresh among concurrent callers; a caller that gives up does not cancel it', async () => {
    answer = { delayMs: 50 };
    const provider = createProvider();
    const controller = new AbortController();
    const reason = new Error('client went away');
    const abandoned = provider.getAccessToken(controller.signal);
    const waiting = Array.from({ length: 5 }, () => provider.getAccessToken(signal()));
    controller.abort(reason);
    await expect(abandoned).rejects.toBe(reason);
    expect(await Promise.all(waiting)).toEqual(Array.from({ length: 5 }, () => 'ya29.token-1'));
    expect(requests).toHaveLength(1);
  });

  it('fetches a new token after one was invalidated', async () => {
    const provider = createProvider();
    const first = await provider.getAccessToken(signal());
    provider.invalidate('some-other-token');
    expect(await provider.getAccessToken(signal())).toBe(first);
    provider.invalidate(first);
    expect(await provider.getAccessToken(signal())).toBe('ya29.token-2');
  });

  it('turns a rejected assertion into a non-retryable 401 and a failing endpoint into a retryable error', async () => {
    const rejected: unknown = await createProvider({ private_key: otherPrivateKeyPem }).getAccessToken(signal()).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(UpstreamError);
    expect(rejected).toMatchObject({
      status: 401,
      type: 'authentication_error',
      publicCode: 'invalid_grant',
      isRetryable: false,
      message: 'vertex: could not get a Google access token: invalid_grant (Invalid JWT Signature.)',
    });

    answer = { status: 503 };
    await expect(createProvider().getAccessToken(signal())).rejects.toMatchObject({ status: 502, upstreamStatus: 503, isRetryable: true });
  });

  it('reports an unreadable private key as a configuration error', async () => {
    const error: unknown = await createProvider({ private_key: 'not a key' }).getAccessToken(signal()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'provider_not_configured' });
    expect(requests).toHaveLength(0);
  });
});

describe('readServiceAccountFile', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'arbiter-google-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const writeFile = (name: string, content: string): string => {
    const path = join(directory, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads a key file as the Cloud console writes it', () => {
    const path = writeFile('key.json', JSON.stringify({
      type: 'service_account',
      project_id: 'my-project',
      private_key_id: 'abc',
      private_key: privateKeyPem,
      client_email: 'gateway@my-project.iam.gserviceaccount.com',
      client_id: '1234',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
    }));
    expect(readServiceAccountFile(path)).toMatchObject({ project_id: 'my-project', private_key_id: 'abc', token_uri: 'https://oauth2.googleapis.com/token' });
  });

  it('names the file and the field, never the key, when the file is not a service-account key', () => {
    const noEmail = writeFile('no-email.json', JSON.stringify({ type: 'service_account', private_key: privateKeyPem }));
    expect(() => readServiceAccountFile(noEmail)).toThrow(/no-email\.json is not a service-account key: client_email/);
    expect(() => readServiceAccountFile(noEmail)).not.toThrow(/PRIVATE KEY/);
    const user = writeFile('user.json', JSON.stringify({ type: 'authorized_user', client_id: 'x', refresh_token: 'y' }));
    expect(() => readServiceAccountFile(user)).toThrow(/user\.json is not a service-account key: type/);
    expect(() => readServiceAccountFile(writeFile('broken.json', '{'))).toThrow(/cannot read the Google service-account file .*broken\.json/);
  });
});
