import { readFileSync } from 'node:fs';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { cachePerDirectory, type RecordedBody } from './fixture-store.js';

/**
 * Loads the recorded Bedrock runtime responses in `fixtures/providers/bedrock/` (pydantic-ai vcrpy cassettes) for the
 * Bedrock emulator: Converse bodies, ConverseStream captures (`!!binary`, the real event-stream bytes, split here into
 * one buffer per frame and checked against their CRCs) and a Titan embedding.
 */

const interactionSchema = z.object({
  request: z.looseObject({ uri: z.string(), body: z.string().optional() }),
  response: z.looseObject({
    status: z.object({ code: z.number() }),
    body: z.object({ string: z.union([z.string(), z.instanceof(Uint8Array)]) }).optional(),
    parsed_body: z.unknown().optional(),
  }),
});
type Interaction = z.infer<typeof interactionSchema>;
const cassetteSchema = z.object({ interactions: z.array(interactionSchema) });

const converseBodySchema = z.looseObject({
  output: z.looseObject({ message: z.looseObject({ role: z.string(), content: z.array(z.looseObject({})) }) }),
  stopReason: z.string(),
  usage: z.looseObject({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() }),
});
export type RecordedConverseBody = z.infer<typeof converseBodySchema>;

const errorBodySchema = z.object({ message: z.string() });

const titanRequestSchema = z.object({ inputText: z.string(), dimensions: z.number().int(), normalize: z.boolean() });
const titanBodySchema = z.looseObject({ embedding: z.array(z.number()), inputTextTokenCount: z.number().int() });

export interface BedrockStreamRecording {
  readonly source: string;
  /** The recorded frames, byte for byte, one buffer per event-stream message. */
  readonly frames: readonly Buffer[];
}

export interface BedrockFixtures {
  readonly converse: {
    /** Plain text (test_bedrock_model.yaml): 7 + 30 tokens. */
    readonly text: RecordedBody<RecordedConverseBody>;
    /** A toolUse answer (test_bedrock_model_retry.yaml#0): 426 + 66 tokens. */
    readonly toolUse: RecordedBody<RecordedConverseBody>;
    /** The answer after a tool result (test_bedrock_model_retry.yaml#1): 531 + 76 tokens. */
    readonly toolResult: RecordedBody<RecordedConverseBody>;
    /** With cachePoints, first call (test_bedrock_cache_write_and_read.yaml#0): 2 + 1322 written, 5 out. */
    readonly cacheWrite: RecordedBody<RecordedConverseBody>;
    /** The same request again (#1): 2 + 1322 read, 5 out. */
    readonly cacheRead: RecordedBody<RecordedConverseBody>;
  };
  readonly streams: {
    /** test_bedrock_model_stream.yaml: 33 frames, 13 + 82 tokens. */
    readonly text: BedrockStreamRecording;
    /** test_bedrock_model_iter_stream.yaml#0: text, then a toolUse block; 471 + 91 tokens. */
    readonly toolUse: BedrockStreamRecording;
    /** test_bedrock_model_iter_stream.yaml#1: the answer after the tool result; 577 + 18 tokens. */
    readonly toolResult: BedrockStreamRecording;
    /** test_bedrock_model_thinking_part_stream.yaml: Claude reasoning then text; 36 + 73 tokens. */
    readonly thinking: BedrockStreamRecording;
  };
  /** The 400 ValidationException for an unknown model id (test_bedrock_error.yaml). */
  readonly invalidModel: RecordedBody<{ message: string }>;
  /** Titan Text Embeddings v2 with 256 dimensions (TestBedrock.test_titan_v2_with_dimensions.yaml): 4 tokens. */
  readonly titanEmbedding: RecordedBody<z.infer<typeof titanBodySchema>> & { readonly request: z.infer<typeof titanRequestSchema> };
}

/** Splits an event-stream capture into its frames (by the length in each prelude) and checks every frame's CRCs. */
export function splitEventStreamFrames(bytes: Uint8Array, source: string): Buffer[] {
  const data = Buffer.from(bytes);
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const frames: Buffer[] = [];
  for (let offset = 0; offset < data.length; ) {
    const length = offset + 4 <= data.length ? data.readUInt32BE(offset) : 0;
    if (length < 16 || offset + length > data.length) throw new Error(`Fixture ${source} has a truncated frame at byte ${offset}`);
    const frame = data.subarray(offset, offset + length);
    codec.decode(frame); // throws on a checksum mismatch
    frames.push(frame);
    offset += length;
  }
  return frames;
}

function createLoader(directory: URL) {
  const readText = (path: string): string => readFileSync(new URL(path, directory), 'utf8');
  const interaction = (path: string, turn: number): Interaction => {
    const found = cassetteSchema.parse(parseYaml(readText(path))).interactions[turn];
    if (!found) throw new Error(`Fixture ${path} has no interaction ${turn}`);
    return found;
  };
  const json = <Body>(path: string, turn: number, schema: z.ZodType<Body>): RecordedBody<Body> => {
    const recorded = interaction(path, turn);
    return { source: `bedrock/${path}#${turn}`, status: recorded.response.status.code, body: schema.parse(recorded.response.parsed_body) };
  };
  const stream = (path: string, turn: number): BedrockStreamRecording => {
    const source = `bedrock/${path}#${turn}`;
    const body = interaction(path, turn).response.body?.string;
    if (!(body instanceof Uint8Array)) throw new Error(`Fixture ${source} has no binary event stream`);
    return { source, frames: splitEventStreamFrames(body, source) };
  };
  return { interaction, json, stream };
}

function loadBedrockFixturesFrom(directory: URL): BedrockFixtures {
  const bedrock = new URL('bedrock/', directory);
  const { interaction, json, stream } = createLoader(bedrock);
  const titanPath = 'TestBedrock.test_titan_v2_with_dimensions.yaml';
  return {
    converse: {
      text: json('test_bedrock_model.yaml', 0, converseBodySchema),
      toolUse: json('test_bedrock_model_retry.yaml', 0, converseBodySchema),
      toolResult: json('test_bedrock_model_retry.yaml', 1, converseBodySchema),
      cacheWrite: json('test_bedrock_cache_write_and_read.yaml', 0, converseBodySchema),
      cacheRead: json('test_bedrock_cache_write_and_read.yaml', 1, converseBodySchema),
    },
    streams: {
      text: stream('test_bedrock_model_stream.yaml', 0),
      toolUse: stream('test_bedrock_model_iter_stream.yaml', 0),
      toolResult: stream('test_bedrock_model_iter_stream.yaml', 1),
      thinking: stream('test_bedrock_model_thinking_part_stream.yaml', 0),
    },
    invalidModel: json('test_bedrock_error.yaml', 0, errorBodySchema),
    titanEmbedding: {
      ...json(titanPath, 0, titanBodySchema),
      request: titanRequestSchema.parse(JSON.parse(interaction(titanPath, 0).request.body ?? 'null')),
    },
  };
}

/** Loads (once per directory) and validates every Bedrock recording the emulator serves. */
export const loadBedrockFixtures = cachePerDirectory(loadBedrockFixturesFrom);
