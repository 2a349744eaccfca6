import type { FinishReason } from '@arbiter/shared';

/** Finish reasons that mean a filter (Google's safety classifiers, Model Armor, recitation checks) withheld content. */
const filteredReasons = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'MODEL_ARMOR',
]);

/**
 * Maps a candidate's `finishReason` to the OpenAI finish reason; null while the candidate is not finished.
 * Google ends a turn with function calls as `STOP`, so `calledTools` turns that into `tool_calls`.
 * `MALFORMED_FUNCTION_CALL`, `LANGUAGE`, `OTHER` and reasons added later have no OpenAI equivalent: `stop`.
 */
export function mapGoogleFinishReason(finishReason: string | null | undefined, calledTools: boolean): FinishReason | null {
  if (finishReason == null) return null;
  if (finishReason === 'MAX_TOKENS') return 'length';
  if (filteredReasons.has(finishReason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}
