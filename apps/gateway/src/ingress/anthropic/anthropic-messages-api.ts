import { z } from 'zod';

/**
 * The Anthropic Messages API as clients send it to us (`POST /v1/messages`, `/v1/messages/count_tokens`): the
 * request body we validate, document (OpenAPI) and, for Anthropic upstreams, forward unchanged. Every object is
 * loose and every list of block or tool kinds accepts kinds we do not know yet (Anthropic adds them often, and a
 * pass-through must not reject what the upstream would accept); a known kind with a bad field is still a 400 that
 * names the field.
 */

/**
 * A discriminated union of the known kinds plus any object of another `type`. A malformed block of a known kind is
 * reported with that kind's own issues (not a vague "invalid input").
 */
function openUnion<Known extends z.ZodType<{ type: string }>>(known: Known, knownTypes: readonly string[]) {
  const types = new Set(knownTypes);
  const other = z.looseObject({ type: z.string() }).superRefine((value, context) => {
    if (!types.has(value.type)) return;
    const result = known.safeParse(value);
    for (const issue of result.error?.issues ?? []) {
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  });
  return z.union([known, other]);
}

export const cacheControlSchema = z.looseObject({ type: z.literal('ephemeral'), ttl: z.string().optional() });

const cacheable = { cache_control: cacheControlSchema.nullish() };

export const textBlockSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  citations: z.array(z.unknown()).nullish(),
  ...cacheable,
});
export type TextBlock = z.infer<typeof textBlockSchema>;

const base64SourceSchema = z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() });
const urlSourceSchema = z.looseObject({ type: z.literal('url'), url: z.string() });
const fileSourceSchema = z.looseObject({ type: z.literal('file'), file_id: z.string() });
const plainTextSourceSchema = z.looseObject({ type: z.literal('text'), media_type: z.string().optional(), data: z.string() });

export const imageBlockSchema = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [base64SourceSchema, urlSourceSchema, fileSourceSchema]),
  ...cacheable,
});
export type ImageBlock = z.infer<typeof imageBlockSchema>;

/** A document given as content blocks (text and images). */
const contentSourceSchema = z.looseObject({
  type: z.literal('content'),
  content: z.union([z.string(), z.array(openUnion(z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema]), ['text', 'image']))]),
});

export const documentBlockSchema = z.looseObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [base64SourceSchema, plainTextSourceSchema, urlSourceSchema, fileSourceSchema, contentSourceSchema]),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.looseObject({}).nullish(),
  ...cacheable,
});
export type DocumentBlock = z.infer<typeof documentBlockSchema>;

const toolUseBlockSchema = z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown(), ...cacheable });

export const knownToolResultContentTypes = ['text', 'image', 'document'] as const;
const knownToolResultContentSchema = z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema, documentBlockSchema]);
export type KnownToolResultContent = z.infer<typeof knownToolResultContentSchema>;
const toolResultContentSchema = openUnion(knownToolResultContentSchema, knownToolResultContentTypes);

const toolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(toolResultContentSchema)]).optional(),
  is_error: z.boolean().optional(),
  ...cacheable,
});

const thinkingBlockSchema = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
const redactedThinkingBlockSchema = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });

export const knownContentBlockTypes = ['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'] as const;
const knownContentBlockSchema = z.discriminatedUnion('type', [
  textBlockSchema,
  imageBlockSchema,
  documentBlockSchema,
  toolUseBlockSchema,
  toolResultBlockSchema,
  thinkingBlockSchema,
  redactedThinkingBlockSchema,
]);
export type KnownContentBlock = z.infer<typeof knownContentBlockSchema>;
export type ToolResultContent = z.infer<typeof toolResultContentSchema>;

/** Server-tool calls and results, search results, container uploads, …: passed to Anthropic, not convertible. */
export const contentBlockSchema = openUnion(knownContentBlockSchema, knownContentBlockTypes);
export type ContentBlock = z.infer<typeof contentBlockSchema>;

export const messageParamSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(contentBlockSchema)]) }),
  z.looseObject({ role: z.literal('assistant'), content: z.union([z.string(), z.array(contentBlockSchema)]) }),
  // Newer API versions accept system turns inside `messages` as well as the top-level `system`.
  z.looseObject({ role: z.literal('system'), content: z.union([z.string(), z.array(textBlockSchema)]) }),
]);
export type MessageParam = z.infer<typeof messageParamSchema>;

/** A tool the client runs: a name and the JSON schema of its input. */
export const customToolSchema = z.looseObject({
  type: z.literal('custom').optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
  ...cacheable,
});
export type CustomTool = z.infer<typeof customToolSchema>;

/** A tool Anthropic runs (web search, code execution, bash, text editor, …), named by a versioned `type`. */
const serverToolSchema = z.looseObject({
  type: z.string().refine((type) => type !== 'custom', { message: 'a custom tool needs name and input_schema' }),
  name: z.string().optional(),
});

export const toolSchema = z.union([customToolSchema, serverToolSchema]);
export type Tool = z.infer<typeof toolSchema>;

const parallel = { disable_parallel_tool_use: z.boolean().optional() };
export const toolChoiceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), ...parallel }),
  z.looseObject({ type: z.literal('any'), ...parallel }),
  z.looseObject({ type: z.literal('tool'), name: z.string(), ...parallel }),
  z.looseObject({ type: z.literal('none') }),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

export const thinkingSchema = openUnion(
  z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1) }),
    z.looseObject({ type: z.literal('disabled') }),
    z.looseObject({ type: z.literal('adaptive') }),
  ]),
  ['enabled', 'disabled', 'adaptive'],
);
export type Thinking = z.infer<typeof thinkingSchema>;

export const outputConfigSchema = z.looseObject({
  effort: z.string().nullish(),
  format: z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullish(),
});

const requestFields = {
  model: z.string().min(1),
  messages: z.array(messageParamSchema).min(1),
  system: z.union([z.string(), z.array(textBlockSchema)]).optional(),
  max_tokens: z.number().int().min(1),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  thinking: thinkingSchema.optional(),
  output_config: outputConfigSchema.optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  service_tier: z.string().optional(),
};

/** `POST /v1/messages`. */
export const messagesRequestSchema = z.looseObject(requestFields);
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** `POST /v1/messages/count_tokens`: the same body without `max_tokens` (Anthropic decides what else it accepts). */
export const countTokensRequestSchema = z.looseObject({ ...requestFields, max_tokens: requestFields.max_tokens.optional() });
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;

export const countTokensResponseSchema = z.looseObject({ input_tokens: z.number().int().nonnegative() });
export type CountTokensResponse = z.infer<typeof countTokensResponseSchema>;

/** The `message` object we build for clients when the upstream is not Anthropic. */
export interface MessageResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ResponseContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: ResponseUsage;
}

export type ResponseContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

/** `input_tokens` counts only the input that was neither read from nor written to a prompt cache. */
export interface ResponseUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * Anthropic's error body, with our `param` and `code` added: the Anthropic SDK reads `error.type` and
 * `error.message`; our own clients and logs also get the parameter and the gateway's error code.
 */
export interface ErrorResponse {
  type: 'error';
  error: { type: string; message: string; param: string | null; code: string | null };
}
