import type { FinishReason } from '@arbiter/shared';

/** Maps Anthropic's `stop_reason` to the OpenAI finish reason; null while the message is not finished. */
export function mapAnthropicFinishReason(stopReason: string | null | undefined): FinishReason | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case 'end_turn':
    case 'stop_sequence':
    // A server tool loop paused; the client resends to continue, so for it this turn ended normally.
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    // Sent (with a beta) when the context window, not max_tokens, cut the answer off: still a length stop.
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
