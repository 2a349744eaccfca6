import type { ChatCompletionResponse } from '@arbiter/shared';
import { z } from 'zod';
import type { AnthropicMessage } from '../providers/anthropic/anthropic-api.js';
import type { GuardrailViolationError, RequestGuard } from './guard-request.js';

/**
 * The output guard on a whole (non-streamed) answer. What is scanned: the answer's text (`message.content` of every
 * choice; Anthropic `text` blocks). Not scanned: reasoning/thinking text, whose signature covers it, and tool-call
 * arguments, which are JSON for the client's own code. Redaction rewrites the body the client gets (the upstream's
 * bytes are then re-serialised instead of forwarded); a block replaces the answer with a 400 `guardrail_blocked`.
 */
export interface GuardedAnswer<Body> {
  /** The body to send instead of the upstream's (null: send it unchanged). */
  body: Body | null;
  blocked: GuardrailViolationError | null;
}

export function guardChatResponse(guard: RequestGuard, body: ChatCompletionResponse): GuardedAnswer<ChatCompletionResponse> {
  const texts = body.choices.map((choice) => choice.message.content ?? '');
  const outcome = guard.scan(texts, 'output', null);
  const redacted = outcome.texts;
  if (redacted === null) return { body: null, blocked: outcome.blocked };
  const choices = body.choices.map((choice, index) =>
    choice.message.content == null ? choice : { ...choice, message: { ...choice.message, content: redacted[index] ?? '' } },
  );
  return { body: { ...body, choices }, blocked: outcome.blocked };
}

/** Anthropic's own message body, read only as far as its content list (every other field is kept as it came). */
const rawMessageSchema = z.looseObject({ content: z.array(z.unknown()) });
const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

/** For the native path: `rawBody` is Anthropic's JSON, rewritten only when a text block was redacted. */
export function guardAnthropicMessage(
  guard: RequestGuard,
  message: AnthropicMessage,
  rawBody: string,
): GuardedAnswer<string> & { message: AnthropicMessage } {
  const texts: string[] = [];
  for (const block of message.content) if (block.type === 'text') texts.push(block.text);
  const outcome = guard.scan(texts, 'output', null);
  const redacted = outcome.texts;
  if (redacted === null) return { body: null, message, blocked: outcome.blocked };
  let parsedIndex = 0;
  const redactedMessage = {
    ...message,
    content: message.content.map((block) => (block.type === 'text' ? { ...block, text: redacted[parsedIndex++] ?? '' } : block)),
  };
  const raw = rawMessageSchema.parse(JSON.parse(rawBody));
  let rawIndex = 0;
  const content = raw.content.map((block) => {
    const text = textBlockSchema.safeParse(block);
    return text.success ? { ...text.data, text: redacted[rawIndex++] ?? '' } : block;
  });
  return { body: JSON.stringify({ ...raw, content }), message: redactedMessage, blocked: outcome.blocked };
}
