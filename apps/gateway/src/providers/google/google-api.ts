import { z } from 'zod';

/**
 * The Gemini API / Vertex AI `generateContent` wire format (both speak the same JSON): only the fields we read.
 * Objects are loose and parts are a bag of optional fields (the API's `oneof data`), because Google adds part kinds
 * (executableCode, codeExecutionResult, fileData, …) that a gateway must tolerate and skip.
 */

const tokenCount = z.number().int().nonnegative().nullish();

/** One streamed piece of function-call arguments (Vertex `streamFunctionCallArguments`). */
export const googlePartialArgSchema = z.looseObject({
  /** `$.recipe.ingredients[0].name`. */
  jsonPath: z.string(),
  stringValue: z.string().nullish(),
  numberValue: z.number().nullish(),
  boolValue: z.boolean().nullish(),
  nullValue: z.unknown().optional(),
  /** A string value that continues in the next piece with the same path. */
  willContinue: z.boolean().nullish(),
});
export type GooglePartialArg = z.infer<typeof googlePartialArgSchema>;

export const googleFunctionCallSchema = z.looseObject({
  id: z.string().nullish(),
  name: z.string().nullish(),
  args: z.record(z.string(), z.unknown()).nullish(),
  partialArgs: z.array(googlePartialArgSchema).nullish(),
  /** More pieces of this call follow (streamed arguments). */
  willContinue: z.boolean().nullish(),
});
export type GoogleFunctionCall = z.infer<typeof googleFunctionCallSchema>;

export const googlePartSchema = z.looseObject({
  text: z.string().nullish(),
  /** The part is a thought summary, not answer text. */
  thought: z.boolean().nullish(),
  functionCall: googleFunctionCallSchema.nullish(),
  inlineData: z.looseObject({ mimeType: z.string().nullish(), data: z.string() }).nullish(),
});
export type GooglePart = z.infer<typeof googlePartSchema>;

export const googleCandidateSchema = z.looseObject({
  /** `{}` or absent when the answer was blocked. */
  content: z.looseObject({ role: z.string().nullish(), parts: z.array(googlePartSchema).nullish() }).nullish(),
  // A string, not an enum: a new finish reason must not make a good response unreadable.
  finishReason: z.string().nullish(),
  finishMessage: z.string().nullish(),
  index: z.number().int().nonnegative().nullish(),
});
export type GoogleCandidate = z.infer<typeof googleCandidateSchema>;

/**
 * Token counts. `promptTokenCount` includes `cachedContentTokenCount`; `candidatesTokenCount` does NOT include
 * `thoughtsTokenCount` (totalTokenCount = prompt + candidates + thoughts in every recorded response).
 */
export const googleUsageMetadataSchema = z.looseObject({
  promptTokenCount: tokenCount,
  candidatesTokenCount: tokenCount,
  thoughtsTokenCount: tokenCount,
  cachedContentTokenCount: tokenCount,
  totalTokenCount: tokenCount,
});
export type GoogleUsageMetadata = z.infer<typeof googleUsageMetadataSchema>;

export const googleGenerateContentResponseSchema = z.looseObject({
  candidates: z.array(googleCandidateSchema).nullish(),
  /** Set (with no candidates) when the prompt itself was blocked. */
  promptFeedback: z.looseObject({ blockReason: z.string().nullish(), blockReasonMessage: z.string().nullish() }).nullish(),
  usageMetadata: googleUsageMetadataSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
  /** Vertex only. */
  createTime: z.string().nullish(),
});
export type GoogleGenerateContentResponse = z.infer<typeof googleGenerateContentResponseSchema>;

/** `google.rpc.Status` as JSON: the body of every non-2xx response, and of an error inside a stream. */
export const googleErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().int().nullish(),
    message: z.string(),
    /** `INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, … */
    status: z.string().nullish(),
    details: z
      .array(
        z.looseObject({
          '@type': z.string().nullish(),
          /** google.rpc.ErrorInfo */
          reason: z.string().nullish(),
          /** google.rpc.RetryInfo, a protobuf Duration such as `34.4s`. */
          retryDelay: z.string().nullish(),
        }),
      )
      .nullish(),
  }),
});
export type GoogleErrorBody = z.infer<typeof googleErrorBodySchema>;

/** Gemini API `:batchEmbedContents`. It reports no token counts. */
export const googleBatchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});
export type GoogleBatchEmbedResponse = z.infer<typeof googleBatchEmbedResponseSchema>;

/** Vertex AI `:predict` on a text-embedding model. */
export const vertexEmbeddingPredictResponseSchema = z.looseObject({
  predictions: z.array(
    z.looseObject({
      embeddings: z.looseObject({
        values: z.array(z.number()),
        statistics: z.looseObject({ token_count: z.number().nonnegative().nullish() }).nullish(),
      }),
    }),
  ),
});
export type VertexEmbeddingPredictResponse = z.infer<typeof vertexEmbeddingPredictResponseSchema>;

/** The OAuth2 token endpoint's answer to a JWT-bearer grant. */
export const googleTokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().nullish(),
});

/** The OAuth2 token endpoint's error body (`invalid_grant`, `invalid_scope`, …). */
export const googleTokenErrorSchema = z.looseObject({ error: z.string(), error_description: z.string().nullish() });

/** The request body we send (we build it, so a type is enough; no schema). */
export interface GoogleRequestBody {
  contents: GoogleContent[];
  systemInstruction?: { parts: GoogleTextPartParam[] };
  generationConfig?: GoogleGenerationConfig;
  tools?: [{ functionDeclarations: GoogleFunctionDeclaration[] }];
  toolConfig?: { functionCallingConfig: GoogleFunctionCallingConfig };
}

export interface GoogleContent {
  role: 'user' | 'model';
  parts: GooglePartParam[];
}

export interface GoogleTextPartParam {
  text: string;
}

export type GooglePartParam =
  | GoogleTextPartParam
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType?: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GoogleGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  candidateCount?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: 'application/json';
  /** Standard JSON Schema (unlike `responseSchema`, which takes Google's OpenAPI subset). */
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: GoogleThinkingConfig;
}

export interface GoogleThinkingConfig {
  /** Gemini 2.5: tokens; 0 turns thinking off where the model allows it. */
  thinkingBudget?: number;
  /** Gemini 3. */
  thinkingLevel?: 'minimal' | 'low' | 'medium' | 'high';
  includeThoughts?: boolean;
}

export interface GoogleFunctionDeclaration {
  name: string;
  description?: string;
  /** Standard JSON Schema, passed as the client wrote it (`parameters` would need Google's OpenAPI subset). */
  parametersJsonSchema?: Record<string, unknown>;
}

export interface GoogleFunctionCallingConfig {
  mode: 'AUTO' | 'ANY' | 'NONE';
  allowedFunctionNames?: string[];
}
