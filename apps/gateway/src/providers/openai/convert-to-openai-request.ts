import type { ChatCompletionRequest, ProviderQuirks } from '@arbiter/shared';

export interface OpenAIRequestOptions {
  upstreamModel: string;
  stream: boolean;
  /** `openai` speaks the current API; `openai-compatible` servers follow their quirks. */
  kind: 'openai' | 'openai-compatible';
  quirks: ProviderQuirks;
}

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

  for (const param of options.quirks.unsupported_params) {
    if (param in body) {
      delete body[param];
      warnings.push(`${param} is not supported by this server and was not sent`);
    }
  }
  return { body, warnings };
}
