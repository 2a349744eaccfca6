import { z } from 'zod';
import { cachePerDirectory, cleanHeaders, createFixtureReader, parseSseText, type RecordedBody } from './fixture-store.js';

/**
 * The recorded real Gemini API and Vertex AI responses in `fixtures/providers/gemini/` and `…/vertex/` (see the README
 * there), validated and grouped as the Google emulator serves them. Stream payloads keep the recorded text exactly
 * (the raw SSE of the cassettes has `", "`-spaced JSON; the vercel/ai chunk files are compact).
 */

const generateContentSchema = z.looseObject({
  candidates: z.array(z.looseObject({ finishReason: z.string().optional() })).optional(),
  usageMetadata: z.looseObject({ promptTokenCount: z.number() }),
  modelVersion: z.string(),
  responseId: z.string(),
});
export type GoogleGenerateContentBody = z.infer<typeof generateContentSchema>;

const streamEventSchema = z.looseObject({ candidates: z.array(z.unknown()), modelVersion: z.string() });

const errorBodySchema = z.object({
  error: z.looseObject({ code: z.number(), message: z.string(), status: z.string(), details: z.array(z.looseObject({})).optional() }),
});
export type GoogleErrorBody = z.infer<typeof errorBodySchema>;

const batchEmbedSchema = z.looseObject({ embeddings: z.array(z.looseObject({ values: z.array(z.number()) })).min(1) });

const predictSchema = z.looseObject({
  predictions: z
    .array(
      z.looseObject({
        embeddings: z.looseObject({
          values: z.array(z.number()),
          statistics: z.looseObject({ token_count: z.number(), truncated: z.boolean() }),
        }),
      }),
    )
    .min(1),
});
export type VertexEmbeddingPrediction = z.infer<typeof predictSchema>['predictions'][number];

export interface GoogleStreamRecording {
  readonly source: string;
  /** The `data:` payloads in order; Google frames each as `data: <payload>\r\n\r\n` and sends no `[DONE]`. */
  readonly payloads: readonly string[];
}

export interface GoogleFixtures {
  readonly gemini: {
    readonly text: RecordedBody<GoogleGenerateContentBody>;
    /** Gemini 3 with thoughts counted in usage. */
    readonly thinkingText: RecordedBody<GoogleGenerateContentBody>;
    readonly toolCall: RecordedBody<GoogleGenerateContentBody>;
    readonly safetyBlock: RecordedBody<GoogleGenerateContentBody>;
    readonly textStream: GoogleStreamRecording;
    readonly thinkingStream: GoogleStreamRecording;
    readonly toolCallStream: GoogleStreamRecording;
    /** One recorded 768-dimension `gemini-embedding-2-preview` vector. */
    readonly embedding: { readonly source: string; readonly values: readonly number[] };
    readonly modelNotFound: RecordedBody<GoogleErrorBody>;
    /** 429 RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo details (message shortened by the source repo). */
    readonly rateLimited: RecordedBody<GoogleErrorBody>;
    /** Real response headers of a generateContent call and of a stream (test_google_model*.yaml). */
    readonly headers: Readonly<Record<string, string>>;
    readonly streamHeaders: Readonly<Record<string, string>>;
  };
  readonly vertex: {
    readonly text: RecordedBody<GoogleGenerateContentBody>;
    readonly toolCall: RecordedBody<GoogleGenerateContentBody>;
    /** Model Armor withheld the answer: finishReason MODEL_ARMOR, no content. */
    readonly armorBlock: RecordedBody<GoogleGenerateContentBody>;
    readonly textStream: GoogleStreamRecording;
    /** A function call whose nested arguments arrive as `partialArgs` pieces. */
    readonly toolCallStream: GoogleStreamRecording;
    /** Two recorded predictions (vectors truncated to 5 values by the source repo). */
    readonly embeddings: readonly VertexEmbeddingPrediction[];
    readonly headers: Readonly<Record<string, string>>;
    readonly streamHeaders: Readonly<Record<string, string>>;
  };
}

function createLoader(directory: URL) {
  const reader = createFixtureReader(directory);
  const { readText } = reader;
  const readCassette = (path: string, turn: number) => reader.readCassette(path, turn).response;
  const json = <Body>(path: string, schema: z.ZodType<Body>): RecordedBody<Body> => ({
    source: path,
    status: 200,
    body: schema.parse(JSON.parse(readText(path))),
  });
  const recorded = <Body>(path: string, turn: number, schema: z.ZodType<Body>): RecordedBody<Body> => {
    const response = readCassette(path, turn);
    return { source: `${path}#${turn}`, status: response.status.code, body: schema.parse(response.parsed_body) };
  };
  const stream = (source: string, payloads: string[]): GoogleStreamRecording => {
    for (const payload of payloads) streamEventSchema.parse(JSON.parse(payload));
    if (payloads.length === 0) throw new Error(`Fixture ${source} has no events`);
    return { source, payloads };
  };
  const rawStream = (path: string): GoogleStreamRecording =>
    stream(`${path}#0`, parseSseText(readCassette(path, 0).body?.string ?? '').map((event) => event.data));
  const chunkStream = (path: string): GoogleStreamRecording =>
    stream(path, readText(path).split('\n').filter((line) => line.trim() !== ''));
  return { readText, readCassette, json, recorded, rawStream, chunkStream };
}

function loadGemini(directory: URL): GoogleFixtures['gemini'] {
  const { readCassette, json, recorded, rawStream, chunkStream } = createLoader(directory);
  const embedding = batchEmbedSchema.parse(readCassette('gemini/TestGoogle.test_query_with_dimensions.yaml', 0).parsed_body);
  return {
    text: recorded('gemini/test_google_model.yaml', 0, generateContentSchema),
    thinkingText: json('gemini/google-text.json', generateContentSchema),
    toolCall: json('gemini/google-tool-call.json', generateContentSchema),
    safetyBlock: recorded('gemini/test_google_model_safety_settings.yaml', 0, generateContentSchema),
    textStream: rawStream('gemini/test_google_model_stream.yaml'),
    thinkingStream: chunkStream('gemini/google-text.chunks.txt'),
    toolCallStream: chunkStream('gemini/google-tool-call.chunks.txt'),
    embedding: { source: 'gemini/TestGoogle.test_query_with_dimensions.yaml#0', values: embedding.embeddings[0]?.values ?? [] },
    modelNotFound: recorded('gemini/TestGoogle.test_count_tokens_error.yaml', 0, errorBodySchema),
    rateLimited: { ...json('gemini/google-429-retry-info.json', errorBodySchema), status: 429 },
    headers: cleanHeaders(readCassette('gemini/test_google_model.yaml', 0).headers),
    streamHeaders: cleanHeaders(readCassette('gemini/test_google_model_stream.yaml', 0).headers),
  };
}

function loadVertex(directory: URL): GoogleFixtures['vertex'] {
  const { readText, readCassette, recorded, rawStream, chunkStream } = createLoader(directory);
  const images = 'vertex/test_model_sees_multiple_images[google_vertex].yaml';
  return {
    text: recorded('vertex/test_google_model_vertex_provider.yaml', 0, generateContentSchema),
    toolCall: recorded(images, 0, generateContentSchema),
    armorBlock: recorded('vertex/test_google_model_armor_response_template_real_block.yaml', 0, generateContentSchema),
    textStream: rawStream('vertex/test_google_vertex_service_tier_flex_stream.yaml'),
    toolCallStream: chunkStream('vertex/google-vertex-stream-tool-call-arguments-nested.1.chunks.txt'),
    embeddings: predictSchema.parse(JSON.parse(readText('vertex/google-vertex-embedding.json'))).predictions,
    headers: cleanHeaders(readCassette('vertex/test_google_model_vertex_provider.yaml', 0).headers),
    streamHeaders: cleanHeaders(readCassette('vertex/test_google_vertex_service_tier_flex_stream.yaml', 0).headers),
  };
}

/** Loads (once per directory) and validates every recording the Google emulator serves. Throws if one is missing. */
export const loadGoogleFixtures = cachePerDirectory((directory): GoogleFixtures => ({
  gemini: loadGemini(directory),
  vertex: loadVertex(directory),
}));
