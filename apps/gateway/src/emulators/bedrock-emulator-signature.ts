import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Verifies AWS Signature Version 4 (Authorization header) the way AWS does: recompute the signature from the request
 * as received and the known secret. Written on node:crypto, independently of the gateway's signer (which uses
 * @smithy/signature-v4), so that the emulator checks it rather than agreeing with it by construction.
 */

export interface SignatureVerificationOptions {
  readonly region: string;
  readonly service: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** AWS rejects signatures more than 15 minutes off its clock. */
  readonly maxSkewMs?: number;
  readonly now?: Date;
}

export interface VerifiableRequest {
  readonly method: string;
  /** The path as received (still percent-encoded), without the query string. */
  readonly path: string;
  /** The query string without `?`, or ''. */
  readonly query?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type SignatureVerdict =
  | { readonly valid: true }
  | { readonly valid: false; readonly errorType: string; readonly message: string };

const signatureMismatch =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const authorizationPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

export function verifySignature(request: VerifiableRequest, options: SignatureVerificationOptions): SignatureVerdict {
  const fail = (errorType: string, message: string): SignatureVerdict => ({ valid: false, errorType, message });
  const authorization = headerText(request.headers.authorization);
  if (authorization === undefined) return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const match = authorizationPattern.exec(authorization);
  if (match === null) {
    return fail('IncompleteSignatureException', `Authorization header requires Credential, SignedHeaders and Signature (AWS4-HMAC-SHA256): ${authorization.slice(0, 80)}`);
  }
  const [, accessKeyId = '', day = '', region = '', service = '', signedHeaderList = '', signature = ''] = match;
  if (accessKeyId !== options.accessKeyId) return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (region !== options.region || service !== options.service) {
    return fail('InvalidSignatureException', `Credential should be scoped to a valid region and service: expected ${options.region}/${options.service}, got ${region}/${service}.`);
  }
  const amzDate = headerText(request.headers['x-amz-date']) ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === null || !amzDate.startsWith(day)) return fail('IncompleteSignatureException', `x-amz-date is missing or does not match the credential date: ${amzDate}`);
  const now = options.now ?? new Date();
  if (Math.abs(now.getTime() - signedAt.getTime()) > (options.maxSkewMs ?? 15 * 60_000)) {
    return fail('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier or later than the allowed 15 minutes around ${formatAmzDate(now)}.`);
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return fail('InvalidSignatureException', signatureMismatch);
  const payloadHash = createHash('sha256').update(request.body).digest('hex');
  const declaredHash = headerText(request.headers['x-amz-content-sha256']);
  if (declaredHash !== undefined && declaredHash !== payloadHash) return fail('InvalidSignatureException', signatureMismatch);

  const canonicalRequest = [
    request.method,
    canonicalPath(request.path),
    canonicalQuery(request.query ?? ''),
    ...signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}`),
    '',
    signedHeaderList,
    declaredHash ?? payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key: Buffer = Buffer.from(`AWS4${options.secretAccessKey}`);
  for (const part of [day, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex')) ? { valid: true } : fail('InvalidSignatureException', signatureMismatch);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** Header values are trimmed and runs of whitespace collapse to one space; repeated headers join with commas. */
function canonicalHeaderValue(value: string | string[] | undefined): string {
  return (headerText(value) ?? '').replace(/\s+/g, ' ').trim();
}

/** RFC 3986 encoding as SigV4 defines it: everything but `A-Za-z0-9-._~` is percent-encoded. */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The received path normalised (empty and `.` segments dropped, `..` resolved) and each segment encoded once more,
 * as every AWS service but S3 signs it: `/model/us.amazon.nova-micro-v1%3A0/converse` → `…v1%253A0…`.
 */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map(encodeRfc3986).join('/')}${trailing}`;
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return [...new URLSearchParams(query)]
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function parseAmzDate(value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second] = match;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
}

function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
