import type { ChatCompletionResponse, FinishReason, OpenAIUsage } from '@arbiter/shared';
import type { MessageResponse, ResponseContentBlock, ResponseUsage, StopReason } from './anthropic-messages-api.js';

export interface ConvertedMessageResponse {
  message: MessageResponse;
  warnings: string[];
}

/**
 * OpenAI chat completion → Anthropic `message`. Content comes in Anthropic's order: thinking (from
 * `reasoning_content`), text, then one tool_use block per tool call with its arguments parsed into `input`.
 */
export function convertOpenAIToMessagesResponse(response: ChatCompletionResponse): ConvertedMessageResponse {
  const warnings: string[] = [];
  const choice = response.choices[0];
  const message = choice?.message;
  const content: ResponseContentBlock[] = [];
  // No signature: it proves Anthropic generated the thinking, and this thinking is not Anthropic's.
  if (message?.reasoning_content) content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
  const text = message?.content ?? message?.refusal ?? null;
  if (text !== null && text !== '') content.push({ type: 'text', text });
  for (const call of message?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments, call.function.name, warnings) });
  }
  return {
    message: {
      id: toMessageId(response.id),
      type: 'message',
      role: 'assistant',
      model: response.model,
      content,
      stop_reason: mapFinishReasonToStopReason(choice?.finish_reason ?? null, message?.refusal != null && message.content == null),
      stop_sequence: null,
      usage: convertToAnthropicUsage(response.usage),
    },
    warnings,
  };
}

/** `chatcmpl-abc` → `msg_abc`: Anthropic clients expect the prefix; the rest keeps the upstream id traceable. */
export function toMessageId(id: string): string {
  return `msg_${id.replace(/^chatcmpl-/, '')}`;
}

/**
 * OpenAI does not say which stop sequence ended the text, so a stop is always `end_turn` (never `stop_sequence`).
 * A refusal without content is Anthropic's `refusal`.
 */
export function mapFinishReasonToStopReason(finishReason: FinishReason | null, refused = false): StopReason {
  if (refused) return 'refusal';
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
    case null:
      return 'end_turn';
  }
}

/**
 * OpenAI counts cached input inside `prompt_tokens`; Anthropic's `input_tokens` is only the uncached part. The OpenAI
 * format has no cache-write count, so `cache_creation_input_tokens` is 0 here (the usage record keeps the exact split).
 */
export function convertToAnthropicUsage(usage: OpenAIUsage | undefined): ResponseUsage {
  const cacheRead = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cacheRead),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cacheRead,
  };
}

/** Tool arguments are model output: not always valid JSON. Anthropic's `input` must be an object. */
function parseToolInput(text: string, name: string, warnings: string[]): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  warnings.push(`the arguments of the ${name} tool call were not a JSON object; input {} was sent`);
  return {};
}
