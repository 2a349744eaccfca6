import type { ChatCompletionResponse, NormalizedUsage, ToolCall } from '@arbiter/shared';
import { convertToOpenAIUsage } from '../openai/convert-openai-usage.js';
import type { ChunkIdentity } from './create-chat-chunk.js';

type Choice = ChatCompletionResponse['choices'][number];

/** An OpenAI chat completion from converted choices; `usage` is left out when the upstream reported none. */
export function createChatCompletion(identity: ChunkIdentity, choices: Choice[], usage: NormalizedUsage | null): ChatCompletionResponse {
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices,
    ...(usage === null ? {} : { usage: convertToOpenAIUsage(usage) }),
  };
}

/** The assistant message of a choice; `tool_calls` and `reasoning_content` only when there are some. */
export function createAssistantMessage(content: string | null, toolCalls: ToolCall[], reasoning: string[]): Choice['message'] {
  return {
    role: 'assistant',
    content,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('') } : {}),
  };
}
