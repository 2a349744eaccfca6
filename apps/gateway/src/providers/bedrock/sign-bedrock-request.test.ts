import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signBedrockRequest } from './sign-bedrock-request.js';

/**
 * The AWS SigV4 test suite as maintained by aws-c-auth: per case a raw `request.txt`, the signing inputs in
 * `context.json` and the expected results of Authorization-header signing (`header-*.txt`) and of presigning
 * (`query-*.txt`, which we do not use).
 */
const suite = new URL('../../../fixtures/providers/bedrock/sigv4/aws-signing-test-suite/v4/', import.meta.url);

const contextSchema = z.object({
  credentials: z.object({ access_key_id: z.string(), secret_access_key: z.string(), token: z.string().optional() }),
  region: z.string(),
  service: z.string(),
  timestamp: z.string(),
  normalize: z.boolean(),
  sign_body: z.boolean(),
  omit_session_token: z.boolean().optional(),
});

interface RawRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string;
}

/** Parses `METHOD target HTTP/1.1`, `Name:value` lines (indented lines continue a value; repeats join with `,`), body. */
function parseRawRequest(text: string): RawRequest {
  const [head = '', body = ''] = text.split(/\n\n/, 2);
  const [requestLine = '', ...lines] = head.split('\n');
  const match = /^(\S+) (.*) HTTP\/1\.1$/.exec(requestLine);
  if (match === null) throw new Error(`bad request line: ${requestLine}`);
  const entries: [string, string][] = [];
  for (const line of lines) {
    if (line === '') continue;
    const last = entries.at(-1);
    if (/^\s/.test(line) && last !== undefined) {
      last[1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    entries.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1)]);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) headers[name] = name in headers ? `${headers[name]},${value}` : value;
  return { method: match[1] ?? '', target: match[2] ?? '', headers, body };
}

const read = (name: string, file: string): string => readFileSync(new URL(`${name}/${file}`, suite), 'utf8');

const cases = readdirSync(suite).sort();
const normalizedCases = cases.filter((name) => contextSchema.parse(JSON.parse(read(name, 'context.json'))).normalize);

describe('signBedrockRequest on the AWS SigV4 test suite', () => {
  it('finds the suite, and runs every case that normalises paths (all but the S3-style unnormalized ones)', () => {
    expect(cases).toHaveLength(29);
    expect(normalizedCases).toHaveLength(23);
    expect(cases.filter((name) => !normalizedCases.includes(name)).every((name) => name.endsWith('-unnormalized'))).toBe(true);
  });

  it.each(normalizedCases)('%s: computes the exact Authorization header', async (name) => {
    const context = contextSchema.parse(JSON.parse(read(name, 'context.json')));
    const raw = parseRawRequest(read(name, 'request.txt'));
    const host = raw.headers.host ?? '';
    const { host: _host, ...headers } = raw.headers;
    const signed = await signBedrockRequest(
      {
        method: raw.method,
        // Not `new URL(target, base)`: a target of `//` would be read as a host.
        url: new URL(`http://${host}${raw.target}`),
        headers,
        body: raw.body === '' ? undefined : raw.body,
      },
      {
        credentials: {
          accessKeyId: context.credentials.access_key_id,
          secretAccessKey: context.credentials.secret_access_key,
          sessionToken: context.omit_session_token === true ? undefined : context.credentials.token,
        },
        region: context.region,
        service: context.service,
        date: new Date(context.timestamp),
        signBody: context.sign_body,
      },
    );
    const expected = /^Authorization:(.*)$/m.exec(read(name, 'header-signed-request.txt'))?.[1];
    expect(expected).toBeDefined();
    expect(signed.authorization).toBe(expected);
    expect(signed['x-amz-date']).toBe('20150830T123600Z');
    expect(signed.host).toBe('example.amazonaws.com');
    expect(signed['x-amz-security-token']).toBe(context.credentials.token);
  });
});

describe('signBedrockRequest for Bedrock', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const date = new Date('2015-08-30T12:36:00Z');

  it('signs as service bedrock in the region, with the body hash, and keeps the given headers', async () => {
    const url = new URL('https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    const body = '{"messages":[]}';
    const signed = await signBedrockRequest({ method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body }, { credentials, region: 'eu-west-1', date });
    expect(signed).toMatchObject({
      'content-type': 'application/json',
      host: 'bedrock-runtime.eu-west-1.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      'x-amz-content-sha256': '5e4ce7b36ba37b78a5d5f9fd08e6b7b54ba6879d651aa46ec9e1d6fa24ebe30a',
    });
    expect(signed.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(signed).not.toHaveProperty('x-amz-security-token');
  });

  it('signs the encoded model id (double-encoded in the canonical path): another id, another signature', async () => {
    const sign = (path: string) =>
      signBedrockRequest({ method: 'POST', url: new URL(`https://bedrock-runtime.us-east-1.amazonaws.com${path}`), headers: {} }, { credentials, region: 'us-east-1', date });
    const plain = await sign('/model/us.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
    const other = await sign('/model/us.anthropic.claude-3-5-sonnet-20240620-v2%3A0/converse');
    expect(plain.authorization).not.toBe(other.authorization);
  });

  it('adds and signs the session token of temporary credentials', async () => {
    const signed = await signBedrockRequest(
      { method: 'POST', url: new URL('http://127.0.0.1:4010/model/m/converse'), headers: {} },
      { credentials: { ...credentials, sessionToken: 'token-1' }, region: 'us-east-1', date },
    );
    expect(signed.host).toBe('127.0.0.1:4010');
    expect(signed['x-amz-security-token']).toBe('token-1');
    expect(signed.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
  });
});
