import { GatewayError, type ChatCompletionRequest, type ToolChoice } from '@arbiter/shared';
import { thinkingBudgets } from '../anthropic/convert-to-anthropic-request.js';
import { warnUnsupportedParameters } from '../shared/warn-unsupported-parameters.js';
import type { BedrockConverseRequestBody, BedrockSystemBlockParam, BedrockToolChoice, BedrockToolParam } from './bedrock-api.js';
import { convertToBedrockMessages, hasCacheControl } from './convert-to-bedrock-messages.js';

export interface BedrockRequestOptions {
  /** The Bedrock model id or inference profile (`anthropic.claude-3-haiku-20240307-v1:0`, `us.amazon.nova-micro-v1:0`). */
  upstreamModel: string;
  /** The model's largest output (from the catalog), used when thinking needs a `maxTokens` and the client set none. */
  maxOutputTokens?: number | null;
}

export interface ConvertedBedrockRequest {
  body: BedrockConverseRequestBody;
  warnings: string[];
  /** In `json_schema` mode: the forced tool whose input is the answer; the response converters turn it into content. */
  responseToolName: string | null;
}

/** Room for the answer on top of the thinking budget when the client gave no limit and the catalog knows none. */
const answerTokensAfterThinking = 4096;

/** Claude on Bedrock: foundation model ids, cross-region profiles (`us.`, `eu.`, `global.`, …) and their ARNs. */
export function isClaudeModel(modelId: string): boolean {
  return /(^|[./])anthropic\.claude/.test(modelId);
}

/** Parameters Bedrock cannot honour, in the order their warnings are given. */
const unsupportedParameters = [
  'n', 'logprobs', 'top_logprobs', 'presence_penalty', 'frequency_penalty', 'seed', 'logit_bias', 'user', 'metadata',
  'store', 'service_tier',
] as const;

/**
 * OpenAI chat-completions request → Converse request (the same body for /converse and /converse-stream). Parameters
 * Bedrock cannot honour are not sent and each one is named in a warning; requests that cannot be converted faithfully
 * are rejected with `invalid_request`.
 */
export function convertToBedrockRequest(request: ChatCompletionRequest, options: BedrockRequestOptions): ConvertedBedrockRequest {
  const converted = convertToBedrockMessages(request.messages);
  const warnings = [...converted.warnings];
  const body: BedrockConverseRequestBody = { messages: converted.messages };
  const claude = isClaudeModel(options.upstreamModel);
  applyInferenceConfig(request, body, claude, warnings);
  const responseToolName = applyTools(request, body, converted.system, converted.usesTools, warnings);
  applyThinking(request, body, { ...options, claude, responseToolName }, warnings);
  if (converted.system.length > 0) body.system = converted.system;
  warnUnsupportedParameters(request, warnings, 'Bedrock', unsupportedParameters);
  return { body, warnings, responseToolName };
}

function applyInferenceConfig(request: ChatCompletionRequest, body: BedrockConverseRequestBody, claude: boolean, warnings: string[]): void {
  const { temperature, top_p: topP, top_k: topK, stop } = request;
  const config: NonNullable<BedrockConverseRequestBody['inferenceConfig']> = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) config.maxTokens = maxTokens;
  if (temperature != null) {
    config.temperature = Math.min(temperature, 1);
    if (temperature > 1) warnings.push(`temperature ${temperature} is above Bedrock's maximum of 1; 1 was sent`);
  }
  if (topP != null) {
    // Current Claude models reject requests that set both; Anthropic advises changing only one of them anyway.
    if (!claude || config.temperature === undefined) config.topP = topP;
    else warnings.push('top_p was not sent: Claude models accept temperature or top_p, not both (temperature was sent)');
  }
  const stopSequences = typeof stop === 'string' ? [stop] : (stop ?? []);
  if (stopSequences.length > 0) config.stopSequences = stopSequences;
  body.inferenceConfig = config;
  // top_k is no OpenAI parameter, but clients send it as an extra field; Converse has it only as a model field.
  if (typeof topK === 'number' && Number.isInteger(topK) && topK > 0) {
    if (claude) body.additionalModelRequestFields = { ...body.additionalModelRequestFields, top_k: topK };
    else warnings.push('top_k is sent to Bedrock for Claude models only and was not sent');
  }
}

/** Tools, tool choice and response format (structured output is a forced tool). Returns the answer tool's name. */
function applyTools(
  request: ChatCompletionRequest,
  body: BedrockConverseRequestBody,
  system: BedrockSystemBlockParam[],
  usesTools: boolean,
  warnings: string[],
): string | null {
  const tools: BedrockToolParam[] = (request.tools ?? []).flatMap((tool): BedrockToolParam[] => {
    const { name, description, parameters } = tool.function;
    const spec: BedrockToolParam = {
      toolSpec: {
        name,
        ...(description === undefined || description === '' ? {} : { description }),
        inputSchema: { json: parameters ?? { type: 'object', properties: {} } },
      },
    };
    // A tool's `cache_control` (as on content parts) caches the tool definitions up to it.
    return hasCacheControl(tool) ? [spec, { cachePoint: { type: 'default' } }] : [spec];
  });
  if (request.tools?.some((tool) => tool.function.strict === true)) {
    warnings.push('tools[].function.strict is not supported by Bedrock: tool arguments are not guaranteed to match the schema');
  }
  if (request.parallel_tool_calls === false && tools.length > 0) {
    warnings.push('parallel_tool_calls=false is not supported by Bedrock: the model may call several tools at once');
  }
  let toolChoice = convertToolChoice(request.tool_choice);
  let responseToolName: string | null = null;
  const format = request.response_format;

  if (request.tool_choice === 'none' && tools.length > 0) {
    if (usesTools) {
      // Converse requires toolConfig while the conversation holds tool calls; there is no "none" choice to send.
      warnings.push('tool_choice none is not supported by Bedrock: the tools were sent (the conversation uses them), so the model may still call one');
    } else {
      tools.length = 0; // without tools the model cannot call one: "none" is honoured
    }
  }

  if (format?.type === 'json_schema') {
    // As in the Vercel AI SDK: the schema becomes a tool the model must call; its input is the answer.
    const { name, description, schema } = format.json_schema;
    if (tools.some((tool) => 'toolSpec' in tool && tool.toolSpec.name === name)) {
      throw new GatewayError('invalid_request', {
        param: 'response_format.json_schema.name',
        message: `the schema name ${name} is also a tool name; Bedrock models answer in this format through a tool of that name`,
      });
    }
    const clientToolsCallable = tools.length > 0 && request.tool_choice !== 'none';
    tools.push({
      toolSpec: {
        name,
        description: description ?? 'Respond with a JSON object that matches this schema.',
        inputSchema: { json: schema ?? { type: 'object' } },
      },
    });
    responseToolName = name;
    if (!clientToolsCallable) toolChoice = { tool: { name } };
    else if (toolChoice === undefined || !('tool' in toolChoice)) toolChoice = { any: {} }; // the client's tools, or the answer
  } else if (format?.type === 'json_object') {
    warnings.push('response_format json_object is not supported by Bedrock (no JSON mode): JSON was asked for in the system prompt but is not guaranteed');
    system.push({ text: 'Respond with a single valid JSON object and nothing else.' });
  }

  if (tools.length === 0) return null; // Converse rejects a toolChoice without tools, and without tools it means nothing
  body.toolConfig = toolChoice === undefined ? { tools } : { tools, toolChoice };
  return responseToolName;
}

/** `none` has no Converse equivalent; applyTools handles it by leaving the tools out. */
function convertToolChoice(choice: ToolChoice | undefined): BedrockToolChoice | undefined {
  if (choice === undefined || choice === 'none') return undefined;
  if (typeof choice === 'object') return { tool: { name: choice.function.name } };
  return choice === 'auto' ? { auto: {} } : { any: {} };
}

interface ThinkingOptions extends BedrockRequestOptions {
  claude: boolean;
  responseToolName: string | null;
}

/** `reasoning_effort` → Claude's extended thinking, passed through `additionalModelRequestFields`. */
function applyThinking(request: ChatCompletionRequest, body: BedrockConverseRequestBody, options: ThinkingOptions, warnings: string[]): void {
  const effort = request.reasoning_effort;
  if (effort == null || effort === 'none') return;
  if (!options.claude) {
    warnings.push(`reasoning_effort is sent to Bedrock for Claude models only (as thinking); it was not sent for ${options.upstreamModel}`);
    return;
  }
  const choice = body.toolConfig?.toolChoice;
  if (choice !== undefined && ('any' in choice || 'tool' in choice)) {
    // Claude rejects thinking with a forced tool; the format or tool contract is kept, thinking is given up.
    const cause = options.responseToolName === null ? 'tool_choice' : 'response_format json_schema';
    warnings.push(`reasoning_effort was not sent: Claude models cannot think while a tool call is forced (by ${cause})`);
    return;
  }
  const budget = thinkingBudgets[effort];
  const config = (body.inferenceConfig ??= {});
  if (config.maxTokens === undefined) {
    const catalogMax = options.maxOutputTokens ?? 0;
    config.maxTokens = catalogMax > budget ? catalogMax : budget + answerTokensAfterThinking;
    warnings.push(`maxTokens ${config.maxTokens} was sent: Claude needs a limit above the thinking budget of ${budget} tokens (reasoning_effort ${effort}) and none was given`);
  } else if (config.maxTokens <= budget) {
    // The budget is part of the limit; keep the requested room for the answer on top of it.
    const raised = budget + config.maxTokens;
    warnings.push(`max_tokens was raised from ${config.maxTokens} to ${raised}: Claude needs it above the thinking budget of ${budget} tokens (reasoning_effort ${effort})`);
    config.maxTokens = raised;
  }
  body.additionalModelRequestFields = { ...body.additionalModelRequestFields, thinking: { type: 'enabled', budget_tokens: budget } };
  if (config.temperature !== undefined && config.temperature !== 1) {
    delete config.temperature;
    warnings.push('temperature was not sent: Claude models do not accept it while thinking (reasoning_effort)');
  }
  if (config.topP !== undefined && config.topP < 0.95) {
    delete config.topP;
    warnings.push('top_p was not sent: Claude models accept only 0.95 to 1 while thinking (reasoning_effort)');
  }
  if (body.additionalModelRequestFields.top_k !== undefined) {
    delete body.additionalModelRequestFields.top_k;
    warnings.push('top_k was not sent: Claude models do not accept it while thinking (reasoning_effort)');
  }
}
