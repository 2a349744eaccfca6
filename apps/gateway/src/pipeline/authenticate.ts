import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '@arbiter/shared';

/** Who is calling. Until tenancy exists the master key is the only principal. */
export interface Principal {
  tenantId: string;
  keyId: string;
  /** The user behind the key or token; null for the master key and tenant-wide keys. */
  userId: string | null;
  role: 'super-admin';
}

export const MASTER_PRINCIPAL: Principal = Object.freeze({ tenantId: 'default', keyId: 'master', userId: null, role: 'super-admin' });

export interface CredentialHeaders {
  authorization?: string | undefined;
  'x-api-key'?: string | string[] | undefined;
}

/**
 * Resolves the caller from `Authorization: Bearer <key>` (or `x-api-key`, as Anthropic clients send it).
 * Compares digests in constant time; no database read on the hot path.
 */
export class Authenticator {
  private readonly masterDigest: Buffer | null;

  constructor(masterKey: string | undefined) {
    this.masterDigest = masterKey === undefined ? null : digest(masterKey);
  }

  authenticate(headers: CredentialHeaders): Principal {
    const key = readKey(headers);
    if (key === null) throw new GatewayError('missing_api_key');
    if (this.masterDigest === null) {
      throw new GatewayError('invalid_api_key', {
        message: 'The gateway has no keys yet: set ARBITER_MASTER_KEY and use it as the API key.',
      });
    }
    if (!timingSafeEqual(digest(key), this.masterDigest)) throw new GatewayError('invalid_api_key');
    return MASTER_PRINCIPAL;
  }
}

function readKey(headers: CredentialHeaders): string | null {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1] !== undefined) return match[1].trim();
  }
  const apiKey = headers['x-api-key'];
  const value = Array.isArray(apiKey) ? apiKey[0] : apiKey;
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
