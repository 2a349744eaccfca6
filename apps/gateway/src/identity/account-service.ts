import { randomUUID } from 'node:crypto';
import { GatewayError } from '@arbiter/shared';
import type { Database } from '../db/database.js';
import type { StoredUser } from '../db/schema.js';
import type { AccessTokens } from './access-tokens.js';
import {
  consumeRefreshToken,
  findRefreshFamily,
  findTenant,
  findUser,
  findUserByEmail,
  incrementFailedLogins,
  insertRefreshToken,
  revokeRefreshFamily,
  updateUser,
} from './identity-store.js';
import { verifyAgainstDummy, verifyPassword } from './passwords.js';
import { generateRefreshToken, hashSecret } from './secrets.js';

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export interface AccountOptions {
  refreshTtlSeconds: number;
  /** Failures allowed before the account locks; each further failure doubles the lock, up to `maxLockMs`. */
  maxFailedLogins: number;
  baseLockMs: number;
  maxLockMs: number;
}

export const defaultAccountOptions: AccountOptions = {
  refreshTtlSeconds: 30 * 24 * 3600,
  maxFailedLogins: 5,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
};

/**
 * Sign-in, token refresh with rotation and reuse detection, sign-out. A refresh token is single-use: using it returns
 * a new pair in the same family; presenting an already-used one means it was stolen (or replayed), so the whole
 * family is revoked and the legitimate holder must sign in again.
 */
export class AccountService {
  constructor(
    private readonly database: Database,
    private readonly accessTokens: AccessTokens,
    private readonly options: AccountOptions = defaultAccountOptions,
  ) {}

  async login(email: string, password: string): Promise<{ tokens: TokenPair; user: StoredUser }> {
    const user = await findUserByEmail(this.database, email);
    if (user === null || user.passwordHash === null) {
      await verifyAgainstDummy(password);
      throw new GatewayError('invalid_credentials');
    }
    if (user.lockedUntil !== null && user.lockedUntil.getTime() > Date.now()) throw lockedError(user.lockedUntil);
    if (!(await verifyPassword(user.passwordHash, password))) {
      const failures = await incrementFailedLogins(this.database, user.id);
      if (failures >= this.options.maxFailedLogins) {
        const lockMs = Math.min(this.options.maxLockMs, this.options.baseLockMs * 2 ** (failures - this.options.maxFailedLogins));
        const lockedUntil = new Date(Date.now() + lockMs);
        await updateUser(this.database, user.id, { lockedUntil });
        throw lockedError(lockedUntil);
      }
      throw new GatewayError('invalid_credentials');
    }
    if (!user.active) throw new GatewayError('invalid_credentials', { message: 'This account is deactivated.' });
    await this.assertTenantActive(user.tenantId);
    const signedIn = (await updateUser(this.database, user.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() })) ?? user;
    return { tokens: await this.startSession(signedIn), user: signedIn };
  }

  /** A new token family for a user who just proved who they are (password or SSO). */
  async startSession(user: Pick<StoredUser, 'id' | 'tenantId'>): Promise<TokenPair> {
    return this.issuePair(user, randomUUID());
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const consumed = await consumeRefreshToken(this.database, hashSecret(refreshToken));
    if (consumed === null) throw new GatewayError('invalid_token', { message: 'The refresh token is not valid.' });
    if (consumed.status === 'reused') {
      await revokeRefreshFamily(this.database, consumed.familyId);
      throw new GatewayError('invalid_token', { message: 'The refresh token was already used: every session of this sign-in is revoked. Sign in again.' });
    }
    if (consumed.expiresAt.getTime() <= Date.now()) throw new GatewayError('invalid_token', { message: 'The refresh token has expired. Sign in again.' });
    const user = await findUser(this.database, consumed.userId);
    if (user === null || !user.active) throw new GatewayError('invalid_token', { message: 'The user no longer exists or is deactivated.' });
    await this.assertTenantActive(user.tenantId);
    return this.issuePair(user, consumed.familyId);
  }

  /** Revokes the refresh token's family. Unknown tokens are accepted silently: logging out is idempotent. */
  async logout(refreshToken: string): Promise<void> {
    const family = await findRefreshFamily(this.database, hashSecret(refreshToken));
    if (family !== null) await revokeRefreshFamily(this.database, family.familyId);
  }

  private async issuePair(user: Pick<StoredUser, 'id' | 'tenantId'>, familyId: string): Promise<TokenPair> {
    const access = await this.accessTokens.issue(user);
    const refresh = generateRefreshToken();
    await insertRefreshToken(this.database, {
      familyId,
      userId: user.id,
      tenantId: user.tenantId,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + this.options.refreshTtlSeconds * 1000),
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refresh.token,
      refresh_expires_in: this.options.refreshTtlSeconds,
    };
  }

  private async assertTenantActive(tenantId: string): Promise<void> {
    const tenant = await findTenant(this.database, tenantId);
    if (tenant === null || !tenant.active) throw new GatewayError('permission_denied', { message: 'The organisation is deactivated.' });
  }
}

function lockedError(until: Date): GatewayError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new GatewayError('account_locked', {
    message: `Too many failed sign-in attempts; try again in ${seconds} s.`,
    headers: { 'retry-after': String(seconds) },
  });
}
