import type { z } from 'zod';
import { UpstreamError } from './upstream-error.js';

/**
 * One stream event's payload → the provider's wire schema (only the fields we read). Anything else is an
 * `upstream_invalid_response` carrying the stream's own HTTP status. `subject` names the event in the message.
 */
export function parseStreamEvent<Schema extends z.ZodType>(
  provider: string,
  data: string,
  schema: Schema,
  status: number,
  subject = 'stream event',
): z.infer<Schema> {
  return checkStreamEvent(provider, parseStreamEventJson(provider, data, status, subject), schema, status, subject);
}

/** The JSON of one stream event, for providers that try more than one schema on it (an error shape first, …). */
export function parseStreamEventJson(provider: string, data: string, status: number, subject = 'stream event'): unknown {
  try {
    return JSON.parse(data);
  } catch (error) {
    throw new UpstreamError('upstream_invalid_response', {
      provider,
      upstreamStatus: status,
      message: `a ${subject} is not JSON (${data.slice(0, 120)})`,
      cause: error,
    });
  }
}

export function checkStreamEvent<Schema extends z.ZodType>(
  provider: string,
  json: unknown,
  schema: Schema,
  status: number,
  subject = 'stream event',
): z.infer<Schema> {
  const result = schema.safeParse(json);
  if (!result.success) throw createInvalidStreamEventError(provider, result.error, status, subject);
  return result.data;
}

/** The schema's first complaint, with where in the event it is. */
export function createInvalidStreamEventError(provider: string, error: z.ZodError, status: number, subject = 'stream event'): UpstreamError {
  const issue = error.issues[0];
  const path = issue?.path.join('.') ?? '';
  const where = path === '' ? '' : ` at ${path}`;
  return new UpstreamError('upstream_invalid_response', {
    provider,
    upstreamStatus: status,
    message: `unexpected ${subject} shape${where}: ${issue?.message ?? ''}`,
    cause: error,
  });
}
