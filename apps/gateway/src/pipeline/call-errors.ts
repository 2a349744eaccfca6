import { GatewayError } from '@arbiter/shared';
import type { ResolvedModel } from '../catalog/model-catalog.js';

/** A provider without credentials is a clear 503 naming the variable to set, not an upstream 401. */
export function assertProviderReady(model: ResolvedModel): void {
  const missing = model.provider.missingCredential();
  if (missing !== null) {
    throw new GatewayError('provider_not_configured', {
      message: `The provider '${model.provider.id}' for model '${model.requested}' has no credentials: set ${missing}.`,
      param: 'model',
    });
  }
}

/** True when the failure is the client going away (its abort), not a gateway or upstream error. */
export function isClientAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && !(error instanceof GatewayError);
}

export function describeError(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof GatewayError) return { status: error.status, code: error.code, message: error.message };
  return { status: 500, code: 'internal_error', message: error instanceof Error ? error.message : String(error) };
}
