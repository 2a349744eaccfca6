import { createHash, randomBytes } from 'node:crypto';

/** API keys look like `arb_<43 base64url chars>`; the first 12 characters are the visible prefix. */
export const apiKeyPrefix = 'arb_';
const visiblePrefixLength = 12;

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${apiKeyPrefix}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, visiblePrefixLength), hash: hashSecret(key) };
}

/** Refresh tokens are opaque random strings; only their hash is stored. */
export function generateRefreshToken(): { token: string; hash: string } {
  const token = `arr_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashSecret(token) };
}

/** SHA-256 is enough for 256-bit random secrets (no dictionary to attack); passwords use argon2id instead. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(apiKeyPrefix);
}

/** A compact JWS: three base64url segments. */
export function looksLikeJwt(value: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);
}
