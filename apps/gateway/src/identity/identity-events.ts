import type { InvalidationMessage } from '../pipeline/authenticate.js';

/**
 * Tells every replica (this one included) that an identity record changed, so that cached principals are dropped:
 * how a revoked key is refused everywhere within a second.
 */
export interface IdentityEvents {
  changed(message: InvalidationMessage): Promise<void>;
}
