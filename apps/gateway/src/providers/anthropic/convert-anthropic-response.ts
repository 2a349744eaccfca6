import type { ChatCompletionResponse, FinishReason, NormalizedUsage } from '@arbiter/shared';
import { currentTimestamp } from '../shared/create-chat-chunk.js';
import { ToolUseContent } from '../shared/tool-use-blocks.js';
import type { AnthropicMessage } from './anthropic-api.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

export interface AnthropicResponseOptions {
  /** The forced answer tool of `json_schema` mode (see convertToAnthropicRequest); null otherwise. */
  responseToolName: string | null;
  /** Seconds since the epoch, for `created` (Anthropic messages carry no timestamp). */
  now?: number;
}

export interface ConvertedAnthropicResponse {
  body: ChatCompletionResponse;
  usage: NormalizedUsage;
  finishReason: FinishReason | null;
}

/**
 * Anthropic message → OpenAI chat completion with one choice. Text blocks are joined (citations split one answer
 * into several), thinking becomes `reasoning_content`, tool_use blocks become `tool_calls`. In `json_schema` mode the
 * answer tool's input is the content and text is left out, so that the content parses as JSON (with a forced tool
 * Anthropic sends no text anyway; the stream, which cannot wait for the tool, does the same).
 */
export function convertAnthropicResponse(message: AnthropicMessage, options: AnthropicResponseOptions): ConvertedAnthropicResponse {
  const content = new ToolUseContent(options.responseToolName);
  for (const block of message.content) {
    switch (block.type) {
      case 'text':
        content.texts.push(block.text);
        break;
      case 'thinking':
        content.reasoning.push(block.thinking);
        break;
      case 'tool_use':
        content.addToolUse(block.id, block.name, block.input);
        break;
      // redacted_thinking is encrypted, and unknown blocks (server tools, …) have no OpenAI form.
      case 'redacted_thinking':
      case 'unknown':
        break;
    }
  }

  const usage = convertAnthropicUsage(message.usage);
  const identity = { id: message.id, created: options.now ?? currentTimestamp(), model: message.model };
  return { ...content.createCompletion(identity, message.stop_reason, mapAnthropicFinishReason, usage), usage };
}
