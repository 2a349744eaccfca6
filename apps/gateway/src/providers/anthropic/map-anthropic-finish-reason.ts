import type { FinishReason } from '@arbiter/shared';

/**
 * Maps Anthropic's `stop_reason` to the OpenAI finish reason; null while the message is not finished.
 * `pause_turn` (a server tool loop paused; the client resends to continue) ended this turn normally, and
 * `model_context_window_exceeded` (sent with a beta) is a length stop like `max_tokens`.
 */
export function mapAnthropicFinishReason(stopReason: string | null | undefined): FinishReason | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
