import type { ChatCompletionResponse, FinishReason, NormalizedUsage, ToolCall } from '@arbiter/shared';
import { convertToOpenAIUsage } from '../openai/convert-openai-usage.js';
import type { BedrockConverseResponse } from './bedrock-api.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.js';

export interface BedrockResponseOptions {
  /** The completion id (Bedrock responses carry none; the adapter derives it from the AWS request id). */
  id: string;
  /** The model id that was called (Bedrock responses name no model). */
  model: string;
  /** The forced answer tool of `json_schema` mode (see convertToBedrockRequest); null otherwise. */
  responseToolName: string | null;
  /** Seconds since the epoch, for `created`. */
  now?: number;
}

export interface ConvertedBedrockResponse {
  body: ChatCompletionResponse;
  usage: NormalizedUsage;
  finishReason: FinishReason | null;
}

/**
 * Converse response → OpenAI chat completion with one choice. Text blocks are joined, reasoning becomes
 * `reasoning_content`, toolUse blocks become `tool_calls`. In `json_schema` mode the answer tool's input is the
 * content and text is left out, so that the content parses as JSON.
 */
export function convertBedrockResponse(response: BedrockConverseResponse, options: BedrockResponseOptions): ConvertedBedrockResponse {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  let answer: string | null = null;

  // Members Bedrock may add (citations, images, guard content, …) have no OpenAI form and are skipped.
  for (const block of response.output.message.content) {
    if (block.text !== undefined) texts.push(block.text);
    if (block.reasoningContent?.reasoningText !== undefined) reasoning.push(block.reasoningContent.reasoningText.text);
    if (block.toolUse !== undefined) {
      const { toolUseId, name, input } = block.toolUse;
      const serialized = JSON.stringify(input ?? {});
      if (name === options.responseToolName) answer ??= serialized;
      else toolCalls.push({ id: toolUseId, type: 'function', function: { name, arguments: serialized } });
    }
  }

  const usage = convertBedrockUsage(response.usage);
  const finishReason = resolveFinishReason(response.stopReason, answer !== null, toolCalls.length > 0);
  const text = texts.length > 0 ? texts.join('') : null;
  const body: ChatCompletionResponse = {
    id: options.id,
    object: 'chat.completion',
    created: options.now ?? Math.floor(Date.now() / 1000),
    model: options.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: options.responseToolName === null ? text : answer,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('') } : {}),
        },
        finish_reason: finishReason,
      },
    ],
    usage: convertToOpenAIUsage(usage),
  };
  return { body, usage, finishReason };
}

/** The forced answer tool ends the turn with `tool_use`; for the client that answer is a normal stop. */
export function resolveFinishReason(stopReason: string | null | undefined, answered: boolean, calledTools: boolean): FinishReason | null {
  if (stopReason === 'tool_use' && answered && !calledTools) return 'stop';
  return mapBedrockFinishReason(stopReason);
}
