import type { ChatCompletionRequest, ToolChoice } from '@arbiter/shared';
import { warnUnsupportedParameters } from '../shared/warn-unsupported-parameters.js';
import type { GoogleFunctionCallingConfig, GoogleGenerationConfig, GoogleRequestBody, GoogleThinkingConfig } from './google-api.js';
import { convertToGoogleContents } from './convert-to-google-contents.js';

export interface GoogleRequestOptions {
  /** The model name Google knows; decides between Gemini 2.5 thinking budgets and Gemini 3 thinking levels. */
  upstreamModel: string;
}

export interface ConvertedGoogleRequest {
  body: GoogleRequestBody;
  warnings: string[];
}

/** `reasoning_effort` → Gemini 2.5 `thinkingBudget` (tokens). 24576 is the largest budget every 2.5 model accepts. */
export const thinkingBudgets = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 16384, xhigh: 24576 } as const;

/** `reasoning_effort` → Gemini 3 `thinkingLevel`. Gemini 3 cannot stop thinking; `low` is its lowest common level. */
export const thinkingLevels = { none: 'low', minimal: 'minimal', low: 'low', medium: 'medium', high: 'high', xhigh: 'high' } as const;

/** Parameters Google cannot honour, in the order their warnings are given. */
const unsupportedParameters = ['logprobs', 'top_logprobs', 'logit_bias', 'user', 'metadata', 'store', 'service_tier'] as const;

/**
 * OpenAI chat-completions request → Gemini API / Vertex AI `generateContent` request (the two take the same body).
 * Parameters Google cannot honour are not sent and each one is named in a warning; requests that cannot be converted
 * faithfully are rejected with `invalid_request`.
 */
export function convertToGoogleRequest(request: ChatCompletionRequest, options: GoogleRequestOptions): ConvertedGoogleRequest {
  const converted = convertToGoogleContents(request.messages);
  const warnings = [...converted.warnings];
  const body: GoogleRequestBody = { contents: converted.contents };
  if (converted.systemInstruction.length > 0) body.systemInstruction = { parts: converted.systemInstruction };

  const generationConfig: GoogleGenerationConfig = {};
  applySampling(request, generationConfig);
  applyResponseFormat(request, generationConfig);
  applyThinking(request, generationConfig, options.upstreamModel, warnings);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  applyTools(request, body, warnings);
  warnUnsupportedParameters(request, warnings, 'Google', unsupportedParameters);
  return { body, warnings };
}

function applySampling(request: ChatCompletionRequest, config: GoogleGenerationConfig): void {
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  // top_k is no OpenAI parameter, but Google has it and clients send it as an extra field.
  const topK = request.top_k;
  if (typeof topK === 'number' && Number.isInteger(topK) && topK > 0) config.topK = topK;
  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  if (stop.length > 0) config.stopSequences = stop;
  if (request.n != null && request.n > 1) config.candidateCount = request.n;
  if (request.presence_penalty != null && request.presence_penalty !== 0) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null && request.frequency_penalty !== 0) config.frequencyPenalty = request.frequency_penalty;
  if (request.seed != null) config.seed = request.seed;
}

/** JSON mode is a MIME type; a schema goes as `responseJsonSchema`, which takes standard JSON Schema unchanged. */
function applyResponseFormat(request: ChatCompletionRequest, config: GoogleGenerationConfig): void {
  const format = request.response_format;
  if (format?.type === 'json_object') {
    config.responseMimeType = 'application/json';
  } else if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = format.json_schema.schema ?? { type: 'object' };
  }
}

function applyThinking(request: ChatCompletionRequest, config: GoogleGenerationConfig, model: string, warnings: string[]): void {
  const effort = request.reasoning_effort;
  if (effort == null) return;
  const thinkingConfig: GoogleThinkingConfig = {};
  if (usesThinkingLevels(model)) {
    thinkingConfig.thinkingLevel = thinkingLevels[effort];
    if (effort === 'none') {
      warnings.push('reasoning_effort none cannot be honoured: Gemini 3 models always think; thinking level low was sent');
    }
  } else {
    thinkingConfig.thinkingBudget = thinkingBudgets[effort];
  }
  // Thought summaries come back as reasoning_content; with thinking off there are none to ask for.
  if (effort !== 'none') thinkingConfig.includeThoughts = true;
  config.thinkingConfig = thinkingConfig;
}

/** Gemini 3 and later take a thinking level; Gemini 2.5 takes a token budget. */
export function usesThinkingLevels(model: string): boolean {
  const major = /gemini-(\d+)/i.exec(model)?.[1];
  return major !== undefined && Number(major) >= 3;
}

function applyTools(request: ChatCompletionRequest, body: GoogleRequestBody, warnings: string[]): void {
  const tools = request.tools ?? [];
  // Google rejects a function-calling config without functions, and without tools it means nothing.
  if (tools.length === 0) return;
  body.tools = [
    {
      functionDeclarations: tools.map(({ function: tool }) => ({
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        ...(tool.parameters === undefined ? {} : { parametersJsonSchema: tool.parameters }),
      })),
    },
  ];
  if (tools.some((tool) => tool.function.strict === true)) {
    warnings.push('tools[].function.strict is not supported by Google: tool arguments are not guaranteed to match the schema');
  }
  if (request.parallel_tool_calls === false) {
    warnings.push('parallel_tool_calls=false is not supported by Google: the model may call several tools at once');
  }
  const config = convertToolChoice(request.tool_choice);
  if (config !== undefined) body.toolConfig = { functionCallingConfig: config };
}

function convertToolChoice(choice: ToolChoice | undefined): GoogleFunctionCallingConfig | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === 'object') return { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
  switch (choice) {
    case 'auto':
      return { mode: 'AUTO' };
    case 'required':
      return { mode: 'ANY' };
    case 'none':
      return { mode: 'NONE' };
  }
}
