import { hash, verify } from '@node-rs/argon2';
import { GatewayError } from '@arbiter/shared';

/** argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's recommended minimum), ~18 ms a hash. */
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash verifies nothing
  }
}

/**
 * Spends the same time as a real verification, so that an unknown email cannot be told from a wrong password by
 * the response time.
 */
let dummyHash: Promise<string> | null = null;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash('arbiter-dummy-password');
  await verify(await dummyHash, password).catch(() => false);
  return false;
}

export const minimumPasswordLength = 12;

export function assertPasswordStrength(password: string, param = 'password'): void {
  if (password.length < minimumPasswordLength) {
    throw new GatewayError('invalid_request', { message: `The password must have at least ${minimumPasswordLength} characters.`, param });
  }
  if (password.length > 1024) throw new GatewayError('invalid_request', { message: 'The password is too long.', param });
}
