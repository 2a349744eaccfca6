import type { ChatCompletionRequest, ProviderQuirks } from '@arbiter/shared';

export interface OpenAIRequestOptions {
  upstreamModel: string;
  stream: boolean;
  /** `openai` speaks the current API; `openai-compatible` servers follow their quirks. */
  kind: 'openai' | 'openai-compatible';
  quirks: ProviderQuirks;
  /** A reasoning model (o-series, gpt-5 family): sampling parameters it refuses are dropped with a warning. */
  reasoningModel?: boolean;
}

/**
 * Parameters OpenAI's reasoning models refuse with a 400 ("Unsupported parameter: 'temperature' is not supported
 * with this model."), with the value they accept, if any. GPT-5.1 and later accept them with reasoning_effort none.
 */
const reasoningModelRefuses: Array<{ name: keyof ChatCompletionRequest; accepted?: number }> = [
  { name: 'temperature', accepted: 1 },
  { name: 'top_p', accepted: 1 },
  { name: 'presence_penalty', accepted: 0 },
  { name: 'frequency_penalty', accepted: 0 },
  { name: 'logprobs' },
  { name: 'top_logprobs' },
  { name: 'logit_bias' },
];

export interface ConvertedRequest {
  body: Record<string, unknown>;
  warnings: string[];
}

/**
 * The request is already in OpenAI format: we only set the upstream model name, always ask for streamed usage, and
 * apply the server's quirks. Unknown fields are passed on untouched.
 */
export function convertToOpenAIRequest(request: ChatCompletionRequest, options: OpenAIRequestOptions): ConvertedRequest {
  const warnings: string[] = [];
  const body: Record<string, unknown> = { ...request, model: options.upstreamModel };

  if (options.stream) {
    body.stream = true;
    if (options.quirks.stream_usage) {
      body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
    } else {
      delete body.stream_options;
    }
  } else {
    delete body.stream;
    delete body.stream_options;
  }

  const maxTokensField = options.kind === 'openai' ? 'max_completion_tokens' : options.quirks.max_tokens_field;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  delete body.max_tokens;
  delete body.max_completion_tokens;
  if (maxTokens != null) body[maxTokensField] = maxTokens;

  if (request.response_format?.type === 'json_schema' && !options.quirks.json_schema) {
    body.response_format = { type: 'json_object' };
    warnings.push('response_format.json_schema is not supported by this server; sent as json_object');
  }

  if (options.reasoningModel === true && request.reasoning_effort !== 'none') {
    for (const { name, accepted } of reasoningModelRefuses) {
      const value = body[name];
      if (value == null || value === accepted || value === false) continue;
      delete body[name];
      warnings.push(`${name} is not supported by the reasoning model ${options.upstreamModel} and was not sent`);
    }
  }

  for (const param of options.quirks.unsupported_params) {
    if (param in body) {
      delete body[param];
      warnings.push(`${param} is not supported by this server and was not sent`);
    }
  }
  return { body, warnings };
}
