import type { ResponseMeta } from '../pipeline/chat-completion.js';

/** Our `x-arbiter-*` headers. Warnings are joined with "; " and kept to printable ASCII (header-safe). */
export function createMetaHeaders(meta: ResponseMeta): Record<string, string> {
  const headers: Record<string, string> = {
    'x-arbiter-provider': meta.provider,
    'x-arbiter-model': meta.model,
  };
  if (meta.costUsd !== null) headers['x-arbiter-cost-usd'] = meta.costUsd;
  if (meta.attempts !== undefined) headers['x-arbiter-attempts'] = meta.attempts;
  if (meta.guardrails !== undefined) headers['x-arbiter-guardrails'] = meta.guardrails;
  if (meta.warnings.length > 0) {
    headers['x-arbiter-warnings'] = meta.warnings.join('; ').replace(/[^\x20-\x7e]/g, '?').slice(0, 4000);
  }
  return headers;
}
