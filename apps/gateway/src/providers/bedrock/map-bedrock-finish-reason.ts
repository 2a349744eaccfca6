import type { FinishReason } from '@arbiter/shared';

/**
 * Maps Bedrock's `stopReason` to the OpenAI finish reason; null while the message is not finished.
 * `model_context_window_exceeded` (newer Claude models) is a length stop like `max_tokens`; an unknown reason ended the
 * turn some other way and is reported as a normal stop.
 */
export function mapBedrockFinishReason(stopReason: string | null | undefined): FinishReason | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}
