import type { ProviderErrorDetails } from '../shared/http-client.js';
import { looseErrorBodySchema, openAIErrorBodySchema } from './openai-api.js';

export function parseOpenAIError(json: unknown): ProviderErrorDetails | null {
  const standard = openAIErrorBodySchema.safeParse(json);
  if (standard.success) {
    const { error } = standard.data;
    return {
      message: error.message ?? 'unknown error',
      type: error.type ?? null,
      code: error.code == null ? null : String(error.code),
      param: error.param ?? null,
    };
  }
  const loose = looseErrorBodySchema.safeParse(json);
  if (!loose.success) return null;
  const data = loose.data;
  const message = 'error' in data ? data.error : 'detail' in data ? JSON.stringify(data.detail) : data.message;
  return { message: String(message), type: null, code: null, param: null };
}
