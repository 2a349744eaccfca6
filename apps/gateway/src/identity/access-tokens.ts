import { randomBytes, randomUUID } from 'node:crypto';
import { GatewayError } from '@arbiter/shared';
import { eq } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { gatewaySecrets } from '../db/schema.js';

const issuer = 'arbiter';
const audience = 'arbiter';
const signingKeyName = 'jwt_signing_key';

const claimsSchema = z.object({ sub: z.string(), tid: z.string(), jti: z.string(), exp: z.number() });
export interface AccessTokenClaims {
  userId: string;
  tenantId: string;
  tokenId: string;
  expiresAtMs: number;
}

/**
 * Short-lived JWT access tokens (HS256). The signing key lives in the database so that every replica signs and
 * verifies with the same one; the first replica to start creates it. The token carries only who the user is: role
 * and active state come from the (cached, invalidated) user record, so a demotion or deactivation takes effect at
 * once rather than when the token expires.
 */
export class AccessTokens {
  private readonly verified = new Map<string, AccessTokenClaims>();

  private constructor(
    private readonly key: Uint8Array,
    readonly ttlSeconds: number,
  ) {}

  static async open(database: Database, ttlSeconds: number): Promise<AccessTokens> {
    const candidate = randomBytes(32).toString('base64url');
    await database.db.insert(gatewaySecrets).values({ name: signingKeyName, value: candidate, createdAt: new Date() }).onConflictDoNothing();
    const [row] = await database.db.select().from(gatewaySecrets).where(eq(gatewaySecrets.name, signingKeyName));
    if (row === undefined) throw new Error('the JWT signing key could not be created');
    return new AccessTokens(Buffer.from(row.value, 'base64url'), ttlSeconds);
  }

  async issue(user: { id: string; tenantId: string }): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ tid: user.tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** Verifies signature, issuer, audience and expiry; verified tokens are remembered until they expire. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (known.expiresAtMs > Date.now()) return known;
      this.verified.delete(token);
      throw new GatewayError('invalid_token', { message: 'The access token has expired; refresh it.' });
    }
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, { issuer, audience, algorithms: ['HS256'] }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw new GatewayError('invalid_token', { message: expired ? 'The access token has expired; refresh it.' : 'The access token is not valid.', cause: error });
    }
    const parsed = claimsSchema.safeParse(payload);
    if (!parsed.success) throw new GatewayError('invalid_token', { message: 'The access token is not valid.' });
    const claims = { userId: parsed.data.sub, tenantId: parsed.data.tid, tokenId: parsed.data.jti, expiresAtMs: parsed.data.exp * 1000 };
    if (this.verified.size >= 10_000) this.verified.clear(); // bounded: a flood of distinct tokens cannot grow memory
    this.verified.set(token, claims);
    return claims;
  }
}
