import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 (and HMAC-SHA-256 with a secret) on node:crypto, in the constructor shape the signer expects. */
class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS, SSO, instance roles) come with a session token, sent as `x-amz-security-token`. */
  sessionToken?: string;
}

export interface SignableRequest {
  method: string;
  url: URL;
  /** Headers to send and sign; names in any case. `host` is always taken from the URL. */
  headers: Record<string, string>;
  body?: string;
}

export interface SigningOptions {
  credentials: AwsCredentials;
  region: string;
  /** The signing name; Bedrock's runtime signs as `bedrock`. */
  service?: string;
  /** The signing time (tests); default now. */
  date?: Date;
  /**
   * Sends the body's SHA-256 as `x-amz-content-sha256` (signed), as the AWS SDKs do. The test suite's vectors sign
   * without it; the payload hash is part of the signature either way.
   */
  signBody?: boolean;
}

/**
 * Signs a request with AWS Signature Version 4 (Authorization header) and returns every header to send: the given
 * ones (lowercased) plus `host`, `x-amz-date`, `x-amz-security-token` with temporary credentials,
 * `x-amz-content-sha256` and `authorization`. The canonical path is normalised and URI-encoded twice, as every AWS
 * service but S3 expects; so a model id sent as `anthropic.claude-3-haiku-20240307-v1%3A0` is signed as `…v1%253A0`.
 */
export async function signBedrockRequest(request: SignableRequest, options: SigningOptions): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = request.url.host;
  const signer = new SignatureV4({
    service: options.service ?? 'bedrock',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: options.signBody ?? true,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port === '' ? undefined : Number(request.url.port),
      path: request.url.pathname,
      query: readQuery(request.url),
      headers,
      body: request.body,
    }),
    { signingDate: options.date ?? new Date() },
  );
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) result[name.toLowerCase()] = value;
  return result;
}

function readQuery(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return query;
}
