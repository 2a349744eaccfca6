import { parseOpenAIError } from '../openai/map-openai-error.js';
import type { ProviderErrorDetails } from '../shared/http-client.js';
import { UpstreamError } from '../shared/upstream-error.js';
import { azureErrorBodySchema } from './azure-api.js';
import { describeTriggeredFilters } from './describe-azure-content-filters.js';

/**
 * Azure answers in OpenAI's envelope, except for its own gateway errors (`{"statusCode":401,"message":…}`, handled by
 * the OpenAI parser's loose shapes) and content-filter rejections: those keep the upstream code `content_filter`,
 * get an OpenAI error type (Azure sends `type: null`) and name the filter categories in the message.
 */
export function parseAzureError(json: unknown): ProviderErrorDetails | null {
  const parsed = azureErrorBodySchema.safeParse(json);
  if (!parsed.success) return parseOpenAIError(json);
  const { error } = parsed.data;
  const innerCode = error.innererror?.code ?? null;
  const isContentFilter = error.code === 'content_filter' || innerCode === 'ResponsibleAIPolicyViolation';
  if (!isContentFilter) return parseOpenAIError(json);
  const categories = describeTriggeredFilters(error.innererror?.content_filter_result);
  const message = error.message ?? 'The request was rejected by the Azure OpenAI content filter.';
  return {
    message: categories.length > 0 ? `${message} (content filter: ${categories.join(', ')})` : message,
    type: error.type ?? 'invalid_request_error',
    code: 'content_filter',
    param: error.param ?? null,
  };
}

/** The optional parameters the adapter knows how to leave out when an API or model version rejects them. */
export type DowngradableParameter = 'stream_options' | 'max_completion_tokens';
const downgradableParameters: readonly DowngradableParameter[] = ['stream_options', 'max_completion_tokens'];

/**
 * The downgradable parameters a 400 `Unrecognized request argument supplied: a, b` names. Older API versions (and some
 * older model versions behind newer ones) reject `stream_options` and `max_completion_tokens` this way.
 */
export function findUnrecognizedParameters(error: unknown): DowngradableParameter[] {
  if (!(error instanceof UpstreamError) || error.upstreamStatus !== 400) return [];
  const listed = /Unrecognized request arguments? supplied: ([\w, ]+)/.exec(error.message)?.[1];
  if (listed === undefined) return [];
  const names = listed.split(',').map((name) => name.trim());
  return downgradableParameters.filter((parameter) => names.includes(parameter));
}
