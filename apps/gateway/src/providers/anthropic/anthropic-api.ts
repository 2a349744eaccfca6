import { z } from 'zod';

/**
 * The Anthropic Messages API wire format: only the fields we read. Objects are loose and every union of block,
 * delta and event types ends in an `unknown` member, because Anthropic adds new kinds (server tools, citations, …)
 * and says clients must tolerate them.
 */

/** Accepts any object whose `type` is not one of the known ones, as `{ type: 'unknown', unknownType }`. */
function unknownTypeSchema(knownTypes: readonly string[]) {
  return z
    .looseObject({ type: z.string().refine((type) => !knownTypes.includes(type)) })
    .transform((value) => ({ type: 'unknown' as const, unknownType: value.type }));
}

const knownBlockTypes = ['text', 'tool_use', 'thinking', 'redacted_thinking'] as const;

export const anthropicContentBlockSchema = z.union([
  z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('text'), text: z.string() }),
    z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
    z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().nullish() }),
    z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() }),
  ]),
  unknownTypeSchema(knownBlockTypes),
]);
export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

const cacheUsageFields = {
  cache_creation_input_tokens: z.number().int().nonnegative().nullish(),
  cache_read_input_tokens: z.number().int().nonnegative().nullish(),
};

/** Usage of a whole message. `input_tokens` counts only the input that was neither read from nor written to a cache. */
export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  ...cacheUsageFields,
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

/** Usage in `message_delta`: cumulative; older API versions send only `output_tokens`. */
export const anthropicDeltaUsageSchema = z.looseObject({
  input_tokens: z.number().int().nonnegative().nullish(),
  output_tokens: z.number().int().nonnegative().nullish(),
  ...cacheUsageFields,
});
export type AnthropicDeltaUsage = z.infer<typeof anthropicDeltaUsageSchema>;

export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(anthropicContentBlockSchema),
  // A string, not an enum: a new stop reason must not make a good response unreadable.
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema,
});
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

/** The answer of `POST /v1/messages/count_tokens`. */
export const anthropicTokenCountSchema = z.looseObject({ input_tokens: z.number().int().nonnegative() });
export type AnthropicTokenCount = z.infer<typeof anthropicTokenCountSchema>;

/** The error body of non-2xx responses, and the payload of the `error` stream event. */
export const anthropicErrorBodySchema = z.looseObject({
  type: z.literal('error').optional(),
  error: z.looseObject({ type: z.string(), message: z.string() }),
  request_id: z.string().nullish(),
});
export type AnthropicErrorBody = z.infer<typeof anthropicErrorBodySchema>;

const knownDeltaTypes = ['text_delta', 'input_json_delta', 'thinking_delta', 'signature_delta'] as const;

const contentDeltaSchema = z.union([
  z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('text_delta'), text: z.string() }),
    z.looseObject({ type: z.literal('input_json_delta'), partial_json: z.string() }),
    z.looseObject({ type: z.literal('thinking_delta'), thinking: z.string() }),
    z.looseObject({ type: z.literal('signature_delta'), signature: z.string() }),
  ]),
  unknownTypeSchema(knownDeltaTypes),
]);

const knownEventTypes = [
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
] as const;

export const anthropicStreamEventSchema = z.union([
  z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('message_start'), message: anthropicMessageSchema }),
    z.looseObject({ type: z.literal('content_block_start'), index: z.number().int(), content_block: anthropicContentBlockSchema }),
    z.looseObject({ type: z.literal('content_block_delta'), index: z.number().int(), delta: contentDeltaSchema }),
    z.looseObject({ type: z.literal('content_block_stop'), index: z.number().int() }),
    z.looseObject({
      type: z.literal('message_delta'),
      delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
      usage: anthropicDeltaUsageSchema.nullish(),
    }),
    z.looseObject({ type: z.literal('message_stop') }),
    z.looseObject({ type: z.literal('ping') }),
    z.looseObject({ type: z.literal('error'), error: anthropicErrorBodySchema.shape.error }),
  ]),
  unknownTypeSchema(knownEventTypes),
]);
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;

/** The request body we send (we build it, so a type is enough; no schema). */
export interface AnthropicRequestBody {
  model: string;
  messages: AnthropicMessageParam[];
  max_tokens: number;
  system?: AnthropicTextBlockParam[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  tools?: AnthropicToolParam[];
  tool_choice?: AnthropicToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number };
  metadata?: { user_id: string };
  stream?: boolean;
}

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: AnthropicContentBlockParam[];
}

export interface AnthropicCacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface AnthropicTextBlockParam {
  type: 'text';
  text: string;
  /** Prompt-cache breakpoint, passed through from the OpenAI-format content part that carries it. */
  cache_control?: AnthropicCacheControl;
}

export type AnthropicContentBlockParam =
  | AnthropicTextBlockParam
  | { type: 'image'; source: AnthropicSourceParam }
  | { type: 'document'; source: AnthropicSourceParam }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string | AnthropicTextBlockParam[] };

export type AnthropicSourceParam =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string };

export interface AnthropicToolParam {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };
