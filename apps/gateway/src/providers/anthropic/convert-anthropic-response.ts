import type { ChatCompletionResponse, FinishReason, NormalizedUsage, ToolCall } from '@arbiter/shared';
import { convertToOpenAIUsage } from '../openai/convert-openai-usage.js';
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
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  let answer: string | null = null;

  for (const block of message.content) {
    switch (block.type) {
      case 'text':
        texts.push(block.text);
        break;
      case 'thinking':
        reasoning.push(block.thinking);
        break;
      case 'tool_use': {
        const input = JSON.stringify(block.input ?? {});
        if (block.name === options.responseToolName) answer ??= input;
        else toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: input } });
        break;
      }
      // redacted_thinking is encrypted, and unknown blocks (server tools, …) have no OpenAI form.
      case 'redacted_thinking':
      case 'unknown':
        break;
    }
  }

  const usage = convertAnthropicUsage(message.usage);
  const finishReason = resolveFinishReason(message.stop_reason, answer !== null, toolCalls.length > 0);
  const text = texts.length > 0 ? texts.join('') : null;
  const content = options.responseToolName === null ? text : answer;
  const body: ChatCompletionResponse = {
    id: message.id,
    object: 'chat.completion',
    created: options.now ?? Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content,
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
  return mapAnthropicFinishReason(stopReason);
}
