import type { ProviderErrorDetails } from '../shared/http-client.js';
import { anthropicErrorBodySchema } from './anthropic-api.js';

/**
 * Reads `{"type":"error","error":{"type","message"}}`. Anthropic has no error code or param; its error type
 * (`invalid_request_error`, `not_found_error`, `overloaded_error`, …) is passed on as the type.
 */
export function parseAnthropicError(json: unknown): ProviderErrorDetails | null {
  const result = anthropicErrorBodySchema.safeParse(json);
  if (!result.success) return null;
  const { error } = result.data;
  return { message: error.message, type: error.type, code: null, param: null };
}
