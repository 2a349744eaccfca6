import { z } from 'zod';

/**
 * The Bedrock runtime wire format (service model bedrock-runtime 2023-09-30, restJson1): only the fields we read.
 * Bedrock's content blocks and deltas are unions encoded as an object with exactly one member set; objects are loose
 * and every member optional, so that a member AWS adds later (citations, images, …) is skipped, not an error.
 */

const tokenCount = z.number().int().nonnegative();

/**
 * `TokenUsage`. `inputTokens` counts only the input that was neither read from nor written to a prompt cache (see
 * convertBedrockUsage). Bedrock also sends `cacheReadInputTokenCount`/`cacheWriteInputTokenCount` duplicates.
 */
export const bedrockUsageSchema = z.looseObject({
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  totalTokens: tokenCount.nullish(),
  cacheReadInputTokens: tokenCount.nullish(),
  cacheWriteInputTokens: tokenCount.nullish(),
});
export type BedrockUsage = z.infer<typeof bedrockUsageSchema>;

/** An output `ContentBlock`: text, a tool call or (Claude, DeepSeek) reasoning. */
export const bedrockContentBlockSchema = z.looseObject({
  text: z.string().optional(),
  toolUse: z.looseObject({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).optional(),
  reasoningContent: z
    .looseObject({
      reasoningText: z.looseObject({ text: z.string(), signature: z.string().nullish() }).optional(),
      redactedContent: z.string().optional(),
    })
    .optional(),
});
export type BedrockContentBlock = z.infer<typeof bedrockContentBlockSchema>;

/** `ConverseResponse`. Bedrock names no model and no response id; the adapter supplies both. */
export const bedrockConverseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({ role: z.string(), content: z.array(bedrockContentBlockSchema) }),
  }),
  // A string, not the enum: a new stop reason must not make a good response unreadable.
  stopReason: z.string(),
  usage: bedrockUsageSchema,
  metrics: z.looseObject({ latencyMs: z.number() }).nullish(),
});
export type BedrockConverseResponse = z.infer<typeof bedrockConverseResponseSchema>;

/** ConverseStream event payloads, keyed by the frame's `:event-type` header. */
export const bedrockStreamEventSchemas = {
  messageStart: z.looseObject({ role: z.string() }),
  contentBlockStart: z.looseObject({
    contentBlockIndex: z.number().int().nonnegative(),
    start: z.looseObject({ toolUse: z.looseObject({ toolUseId: z.string(), name: z.string() }).optional() }),
  }),
  contentBlockDelta: z.looseObject({
    contentBlockIndex: z.number().int().nonnegative(),
    delta: z.looseObject({
      text: z.string().optional(),
      toolUse: z.looseObject({ input: z.string() }).optional(),
      reasoningContent: z
        .looseObject({ text: z.string().optional(), signature: z.string().optional(), redactedContent: z.string().optional() })
        .optional(),
    }),
  }),
  contentBlockStop: z.looseObject({ contentBlockIndex: z.number().int().nonnegative() }),
  messageStop: z.looseObject({ stopReason: z.string(), additionalModelResponseFields: z.unknown().optional() }),
  metadata: z.looseObject({ usage: bedrockUsageSchema, metrics: z.looseObject({ latencyMs: z.number() }).nullish() }),
} as const;
export type BedrockStreamEventType = keyof typeof bedrockStreamEventSchemas;
export type BedrockStreamEvent = {
  [Type in BedrockStreamEventType]: { type: Type; payload: z.infer<(typeof bedrockStreamEventSchemas)[Type]> };
}[BedrockStreamEventType];

/**
 * The error body of non-2xx responses and the payload of `exception` stream frames. The exception name travels in the
 * `x-amzn-ErrorType` header (or the frame's `:exception-type`); some services spell the field `Message`.
 */
export const bedrockErrorBodySchema = z.looseObject({
  message: z.string().optional(),
  Message: z.string().optional(),
  __type: z.string().optional(),
});
export type BedrockErrorBody = z.infer<typeof bedrockErrorBodySchema>;

/** InvokeModel response of Amazon Titan Text Embeddings (v1 and v2). */
export const titanEmbeddingResponseSchema = z.looseObject({
  embedding: z.array(z.number()),
  inputTextTokenCount: tokenCount,
});
export type TitanEmbeddingResponse = z.infer<typeof titanEmbeddingResponseSchema>;

/** InvokeModel request body of Titan Text Embeddings; `dimensions` and `normalize` exist in v2 only. */
export interface TitanEmbeddingRequestBody {
  inputText: string;
  dimensions?: number;
  normalize?: boolean;
}

/** The Converse request body we send (we build it, so a type is enough; no schema). */
export interface BedrockConverseRequestBody {
  messages: BedrockMessageParam[];
  system?: BedrockSystemBlockParam[];
  inferenceConfig?: BedrockInferenceConfig;
  toolConfig?: { tools: BedrockToolParam[]; toolChoice?: BedrockToolChoice };
  /** Model-specific fields Converse passes through (Claude: `thinking`, `top_k`). */
  additionalModelRequestFields?: Record<string, unknown>;
}

export interface BedrockInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export interface BedrockMessageParam {
  role: 'user' | 'assistant';
  content: BedrockContentBlockParam[];
}

/** A prompt-cache breakpoint: everything before it (tools, system, messages, in that order) is cached. */
export interface BedrockCachePoint {
  cachePoint: { type: 'default' };
}

export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';
export type BedrockDocumentFormat = 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';

/** Binary sources travel base64-encoded in the JSON body (the `blob` type of restJson1). */
export type BedrockContentBlockParam =
  | { text: string }
  | { image: { format: BedrockImageFormat; source: { bytes: string } } }
  | { document: { format: BedrockDocumentFormat; name: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string; content: { text: string }[] } }
  | BedrockCachePoint;

export type BedrockSystemBlockParam = { text: string } | BedrockCachePoint;

export type BedrockToolParam =
  | { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }
  | BedrockCachePoint;

export type BedrockToolChoice =
  | { auto: Record<string, never> }
  | { any: Record<string, never> }
  | { tool: { name: string } };
