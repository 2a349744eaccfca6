import type { ChatCompletionRequest } from '@arbiter/shared';

/**
 * Every request field the converters to other wire formats (Anthropic, Bedrock, Google) read or report themselves;
 * any other field the client set is reported as not sent.
 */
const handledFields = new Set([
  'model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p',
  'top_k', 'stop', 'n', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'seed',
  'user', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'reasoning_effort', 'metadata', 'store',
  'service_tier',
]);

/** Parameters set to their neutral value are not reported: there is nothing to honour. */
const isSet = {
  n: (request) => request.n != null && request.n > 1,
  logprobs: (request) => request.logprobs === true,
  top_logprobs: (request) => request.top_logprobs != null && request.top_logprobs > 0,
  presence_penalty: (request) => request.presence_penalty != null && request.presence_penalty !== 0,
  frequency_penalty: (request) => request.frequency_penalty != null && request.frequency_penalty !== 0,
  seed: (request) => request.seed != null,
  logit_bias: (request) => request.logit_bias != null && Object.keys(request.logit_bias).length > 0,
  user: (request) => request.user !== undefined && request.user !== '',
  metadata: (request) => request.metadata != null && Object.keys(request.metadata).length > 0,
  store: (request) => request.store === true,
  service_tier: (request) => request.service_tier != null && request.service_tier !== 'auto' && request.service_tier !== 'default',
} satisfies Record<string, (request: ChatCompletionRequest) => boolean>;

export type UnsupportedParameter = keyof typeof isSet;

/**
 * Names each of `parameters` the client set in a warning (in the order given), then every field no converter reads.
 * `labels` replaces a parameter's name in its warning.
 */
export function warnUnsupportedParameters(
  request: ChatCompletionRequest,
  warnings: string[],
  provider: string,
  parameters: readonly UnsupportedParameter[],
  labels: Partial<Record<UnsupportedParameter, string>> = {},
): void {
  const notSent = (what: string): void => {
    warnings.push(`${what} is not supported by ${provider} and was not sent`);
  };
  for (const parameter of parameters) {
    if (!isSet[parameter](request)) continue;
    if (parameter === 'n') warnings.push(`n=${request.n} is not supported by ${provider}: one choice was generated`);
    else notSent(labels[parameter] ?? parameter);
  }
  for (const [field, value] of Object.entries(request)) {
    if (!handledFields.has(field) && value != null) notSent(field);
  }
}
