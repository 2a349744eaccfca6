import type { ChatCompletionResponse, FinishReason, NormalizedUsage } from '@arbiter/shared';
import { currentTimestamp } from '../shared/create-chat-chunk.js';
import { ToolUseContent } from '../shared/tool-use-blocks.js';
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
  const content = new ToolUseContent(options.responseToolName);
  // Members Bedrock may add (citations, images, guard content, …) have no OpenAI form and are skipped.
  for (const block of response.output.message.content) {
    if (block.text !== undefined) content.texts.push(block.text);
    if (block.reasoningContent?.reasoningText !== undefined) content.reasoning.push(block.reasoningContent.reasoningText.text);
    if (block.toolUse !== undefined) content.addToolUse(block.toolUse.toolUseId, block.toolUse.name, block.toolUse.input);
  }

  const usage = convertBedrockUsage(response.usage);
  const identity = { id: options.id, created: options.now ?? currentTimestamp(), model: options.model };
  return { ...content.createCompletion(identity, response.stopReason, mapBedrockFinishReason, usage), usage };
}
