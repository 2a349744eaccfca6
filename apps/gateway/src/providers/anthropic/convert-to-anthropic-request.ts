import { GatewayError, type ChatCompletionRequest, type ToolChoice } from '@arbiter/shared';
import { warnUnsupportedParameters } from '../shared/warn-unsupported-parameters.js';
import type { AnthropicRequestBody, AnthropicTextBlockParam, AnthropicToolChoice, AnthropicToolParam } from './anthropic-api.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

export interface AnthropicRequestOptions {
  upstreamModel: string;
  stream: boolean;
  /** The model's maximum output (from the model catalog), sent as `max_tokens` when the client sets no limit. */
  maxOutputTokens?: number | null;
}

export interface ConvertedAnthropicRequest {
  body: AnthropicRequestBody;
  warnings: string[];
  /** In `json_schema` mode: the forced tool whose input is the answer; the response converters turn it into content. */
  responseToolName: string | null;
}

/** Sent when neither the client nor the catalog gives a limit: Anthropic requires `max_tokens`. */
export const defaultMaxTokens = 4096;

/** `reasoning_effort` → thinking budget. 1024 is the smallest budget Anthropic accepts. */
export const thinkingBudgets = { minimal: 1024, low: 1024, medium: 4096, high: 16384, xhigh: 32768 } as const;

/** Parameters Anthropic cannot honour, in the order their warnings are given. */
const unsupportedParameters = [
  'n', 'logprobs', 'top_logprobs', 'presence_penalty', 'frequency_penalty', 'seed', 'logit_bias', 'metadata', 'store',
  'service_tier',
] as const;

/** `user` is sent (as metadata.user_id); the rest of `metadata` is not. */
const unsupportedLabels = { metadata: 'metadata (only user is sent, as metadata.user_id)' };

/**
 * OpenAI chat-completions request → Anthropic Messages request. Parameters Anthropic cannot honour are not sent and
 * each one is named in a warning; requests that cannot be converted faithfully are rejected with `invalid_request`.
 */
export function convertToAnthropicRequest(request: ChatCompletionRequest, options: AnthropicRequestOptions): ConvertedAnthropicRequest {
  const converted = convertToAnthropicMessages(request.messages);
  const warnings = [...converted.warnings];
  const body: AnthropicRequestBody = {
    model: options.upstreamModel,
    messages: converted.messages,
    max_tokens: resolveMaxTokens(request, options, warnings),
  };
  applySampling(request, body, warnings);
  const responseToolName = applyTools(request, body, converted.system, warnings);
  applyThinking(request, body, responseToolName, warnings);
  if (converted.system.length > 0) body.system = converted.system;
  if (request.user !== undefined && request.user !== '') body.metadata = { user_id: request.user };
  if (options.stream) body.stream = true;
  warnUnsupportedParameters(request, warnings, 'Anthropic', unsupportedParameters, unsupportedLabels);
  return { body, warnings, responseToolName };
}

function resolveMaxTokens(request: ChatCompletionRequest, options: AnthropicRequestOptions, warnings: string[]): number {
  const requested = request.max_completion_tokens ?? request.max_tokens;
  if (requested != null) return requested;
  if (options.maxOutputTokens != null && options.maxOutputTokens > 0) {
    warnings.push(`max_tokens is required by Anthropic; none was given, so the model's maximum of ${options.maxOutputTokens} was sent`);
    return options.maxOutputTokens;
  }
  warnings.push(`max_tokens is required by Anthropic; none was given, so the default of ${defaultMaxTokens} was sent`);
  return defaultMaxTokens;
}

function applySampling(request: ChatCompletionRequest, body: AnthropicRequestBody, warnings: string[]): void {
  const { temperature, top_p: topP, top_k: topK, stop } = request;
  if (temperature != null) {
    body.temperature = Math.min(temperature, 1);
    if (temperature > 1) warnings.push(`temperature ${temperature} is above Anthropic's maximum of 1; 1 was sent`);
  }
  if (topP != null) {
    // Current Claude models reject requests that set both; Anthropic advises changing only one of them anyway.
    if (body.temperature === undefined) body.top_p = topP;
    else warnings.push('top_p was not sent: Anthropic models accept temperature or top_p, not both (temperature was sent)');
  }
  // top_k is no OpenAI parameter, but Anthropic has it and clients send it as an extra field.
  if (typeof topK === 'number' && Number.isInteger(topK) && topK > 0) body.top_k = topK;
  const stopSequences = typeof stop === 'string' ? [stop] : (stop ?? []);
  if (stopSequences.length > 0) body.stop_sequences = stopSequences;
}

/** Tools, tool choice and response format (structured output is a forced tool). Returns the answer tool's name. */
function applyTools(
  request: ChatCompletionRequest,
  body: AnthropicRequestBody,
  system: AnthropicTextBlockParam[],
  warnings: string[],
): string | null {
  const tools: AnthropicToolParam[] = (request.tools ?? []).map(({ function: tool }) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input_schema: tool.parameters ?? { type: 'object', properties: {} },
  }));
  if (request.tools?.some((tool) => tool.function.strict === true)) {
    warnings.push('tools[].function.strict is not supported by Anthropic: tool arguments are not guaranteed to match the schema');
  }
  let toolChoice = convertToolChoice(request.tool_choice);
  let responseToolName: string | null = null;
  const format = request.response_format;

  if (format?.type === 'json_schema') {
    // As in the Vercel AI SDK: the schema becomes a tool the model must call; its input is the answer.
    const { name, description, schema } = format.json_schema;
    if (tools.some((tool) => tool.name === name)) {
      throw new GatewayError('invalid_request', {
        param: 'response_format.json_schema.name',
        message: `the schema name ${name} is also a tool name; Anthropic models answer in this format through a tool of that name`,
      });
    }
    tools.push({
      name,
      description: description ?? 'Respond with a JSON object that matches this schema.',
      input_schema: schema ?? { type: 'object' },
    });
    responseToolName = name;
    const clientToolsCallable = tools.length > 1 && toolChoice?.type !== 'none';
    if (!clientToolsCallable) toolChoice = { type: 'tool', name };
    else if (toolChoice?.type !== 'tool') toolChoice = { type: 'any' }; // the client's tools, or the answer
    // One answer, not several.
    toolChoice = { ...toolChoice, disable_parallel_tool_use: true };
  } else if (format?.type === 'json_object') {
    warnings.push('response_format json_object is not supported by Anthropic (no JSON mode): JSON was asked for in the system prompt but is not guaranteed');
    system.push({ type: 'text', text: 'Respond with a single valid JSON object and nothing else.' });
  }

  // Anthropic rejects tool_choice without tools, and without tools it means nothing.
  if (tools.length === 0) return null;
  body.tools = tools;
  if (request.parallel_tool_calls === false && toolChoice?.type !== 'none') {
    toolChoice = { ...(toolChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  return responseToolName;
}

function convertToolChoice(choice: ToolChoice | undefined): AnthropicToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === 'object') return { type: 'tool', name: choice.function.name };
  switch (choice) {
    case 'auto':
      return { type: 'auto' };
    case 'required':
      return { type: 'any' };
    case 'none':
      return { type: 'none' };
  }
}

function applyThinking(
  request: ChatCompletionRequest,
  body: AnthropicRequestBody,
  responseToolName: string | null,
  warnings: string[],
): void {
  const effort = request.reasoning_effort;
  if (effort == null || effort === 'none') return;
  const choice = body.tool_choice?.type;
  if (choice === 'any' || choice === 'tool') {
    // Anthropic rejects thinking with a forced tool; the format or tool contract is kept, thinking is given up.
    const cause = responseToolName === null ? 'tool_choice' : 'response_format json_schema';
    warnings.push(`reasoning_effort was not sent: Anthropic models cannot think while a tool call is forced (by ${cause})`);
    return;
  }
  const budget = thinkingBudgets[effort];
  if (body.max_tokens <= budget) {
    // The budget is part of max_tokens; keep the requested room for the answer on top of it.
    const raised = budget + body.max_tokens;
    warnings.push(`max_tokens was raised from ${body.max_tokens} to ${raised}: Anthropic needs it above the thinking budget of ${budget} tokens (reasoning_effort ${effort})`);
    body.max_tokens = raised;
  }
  body.thinking = { type: 'enabled', budget_tokens: budget };
  if (body.temperature !== undefined && body.temperature !== 1) {
    delete body.temperature;
    warnings.push('temperature was not sent: Anthropic models do not accept it while thinking (reasoning_effort)');
  }
  if (body.top_p !== undefined && body.top_p < 0.95) {
    delete body.top_p;
    warnings.push('top_p was not sent: Anthropic models accept only 0.95 to 1 while thinking (reasoning_effort)');
  }
  if (body.top_k !== undefined) {
    delete body.top_k;
    warnings.push('top_k was not sent: Anthropic models do not accept it while thinking (reasoning_effort)');
  }
}
