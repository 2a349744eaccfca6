import { providerQuirksSchema, type ChatCompletionRequest, type ProviderQuirks } from '@arbiter/shared';
import { convertToOpenAIRequest, type ConvertedRequest } from '../openai/convert-to-openai-request.js';
import type { DowngradableParameter } from './map-azure-error.js';

export interface AzureRequestOptions {
  /** The deployment name (the model name the gateway resolved); sent as `model` too, which Azure ignores. */
  deployment: string;
  stream: boolean;
  apiVersion: string;
  /** Parameters this deployment already rejected as unrecognized: not sent again. */
  rejected?: ReadonlySet<DowngradableParameter>;
  /** The deployment runs a reasoning model: sampling parameters it refuses are dropped with a warning. */
  reasoningModel?: boolean;
}

const defaultQuirks = providerQuirksSchema.parse({});

/**
 * `max_completion_tokens` (required by reasoning deployments) and `stream_options.include_usage` arrived with
 * api-version 2024-09-01-preview; earlier dated versions reject both. Undated versions (`v1`, `preview`, `latest`) are
 * the newest surface.
 */
export function supportsCurrentParameters(apiVersion: string): boolean {
  const date = /^(\d{4}-\d{2}-\d{2})/.exec(apiVersion)?.[1];
  return date === undefined || date >= '2024-09-01';
}

/**
 * Azure speaks OpenAI's chat-completions body, so the OpenAI converter does the work: OpenAI's rules (always
 * `max_completion_tokens`, always ask for streamed usage) where the API version has them, `max_tokens` and no
 * `stream_options` where it does not or where the deployment rejected them.
 */
export function convertToAzureRequest(request: ChatCompletionRequest, options: AzureRequestOptions): ConvertedRequest {
  const current = supportsCurrentParameters(options.apiVersion);
  const rejected = options.rejected ?? new Set<DowngradableParameter>();
  const quirks: ProviderQuirks = {
    ...defaultQuirks,
    max_tokens_field: current && !rejected.has('max_completion_tokens') ? 'max_completion_tokens' : 'max_tokens',
    stream_usage: current && !rejected.has('stream_options'),
  };
  return convertToOpenAIRequest(request, {
    upstreamModel: options.deployment,
    stream: options.stream,
    kind: 'openai-compatible',
    quirks,
    reasoningModel: options.reasoningModel,
  });
}
