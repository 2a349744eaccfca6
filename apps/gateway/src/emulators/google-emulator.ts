import type { KeyObject, webcrypto } from 'node:crypto';
import { z } from 'zod';
import {
  defaultUnknownModelPattern,
  jsonResponse,
  parseRequestJson,
  resolveServerOptions,
  startEmulatorServer,
  type EmulatorHandle,
  type EmulatorOptions,
  type EmulatorRequest,
  type PreparedResponse,
  type SseScript,
} from './emulator-server.js';
import { createGoogleEmulatorAuth } from './google-emulator-auth.js';
import { geminiModelNotFound, googleError, renderGoogleStatusFault, vertexModelNotFound } from './google-emulator-errors.js';
import type { RecordedBody } from './fixture-store.js';
import { loadGoogleFixtures, type GoogleFixtures, type GoogleStreamRecording } from './google-fixtures.js';

/**
 * Wire-level emulator of Google's two Gemini endpoints, answering with recorded real responses:
 * the Gemini API (`/v1beta/models/{model}:generateContent|streamGenerateContent|batchEmbedContents|embedContent`, key in
 * `x-goog-api-key`) and Vertex AI (`/v1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent|
 * streamGenerateContent|predict`, `Authorization: Bearer` with a token from the emulator's own `/token` endpoint).
 * JSON is pretty-printed as Google sends it; streams are `data: <json>\r\n\r\n` frames without `[DONE]`.
 */

export interface GoogleEmulatorOptions extends EmulatorOptions {
  /** The only accepted Gemini API key. Default `gemini-emulator-key`. */
  readonly apiKey?: string;
  /** Verifies the RS256 signature of token requests' assertions; without it only their claims are checked. */
  readonly serviceAccountPublicKey?: webcrypto.CryptoKey | KeyObject;
  /** Model ids answered with a 404 NOT_FOUND. Default: ids with `nonexistent`/`does-not-exist`. */
  readonly unknownModelPattern?: RegExp;
  readonly fixtures?: GoogleFixtures;
}

export interface GoogleEmulatorHandle extends EmulatorHandle {
  /** The token endpoint: a service account's `token_uri` for Vertex. */
  readonly tokenUrl: string;
}

const generateRequestSchema = z.looseObject({
  contents: z.array(z.unknown()).min(1),
  tools: z.array(z.unknown()).optional(),
  safetySettings: z.array(z.looseObject({ threshold: z.string().optional() })).optional(),
  generationConfig: z.looseObject({ thinkingConfig: z.looseObject({ includeThoughts: z.boolean().optional(), thinkingLevel: z.string().optional() }).optional() }).optional(),
  modelArmorConfig: z.unknown().optional(),
});
type GenerateRequest = z.infer<typeof generateRequestSchema>;

const embedContentSchema = z.looseObject({
  content: z.looseObject({ parts: z.array(z.unknown()).min(1) }),
  outputDimensionality: z.number().int().positive().optional(),
});
const batchEmbedRequestSchema = z.looseObject({ requests: z.array(embedContentSchema).min(1) });
const predictRequestSchema = z.looseObject({
  instances: z.array(z.looseObject({ content: z.string() })).min(1),
  parameters: z.looseObject({ outputDimensionality: z.number().int().positive().optional() }).optional(),
});

const geminiPath = /^\/(v1|v1beta)\/models\/([^/:]+):([A-Za-z]+)$/;
const vertexPath = /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):([A-Za-z]+)$/;

/** Google frames events with CRLF (as recorded); the truncated event is what a broken proxy produces. */
function buildGoogleSseScript(recording: GoogleStreamRecording): SseScript {
  const events = recording.payloads.map((payload) => Buffer.from(`data: ${payload}\r\n\r\n`));
  const sample = recording.payloads[0] ?? '{"';
  const malformedEvent = Buffer.from(`data: ${sample.slice(0, Math.max(2, Math.floor(sample.length / 2)))}\r\n\r\n`);
  return { events, whole: Buffer.concat(events), malformedEvent };
}

function parseJson<Schema extends z.ZodType>(raw: Buffer, schema: Schema, requestName: string): { ok: true; value: z.infer<Schema> } | { ok: false; response: PreparedResponse } {
  const json = parseRequestJson(raw);
  if (!json.ok) return { ok: false, response: googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.') };
  const parsed = schema.safeParse(json.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const field = parsed.error.issues[0]?.path.join('.') || 'body';
  return { ok: false, response: googleError(400, 'INVALID_ARGUMENT', `* ${requestName}.${field}: ${field} is not specified or invalid\n`) };
}

export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulatorHandle> {
  const fixtures = options.fixtures ?? loadGoogleFixtures();
  const unknownModel = options.unknownModelPattern ?? defaultUnknownModelPattern;
  let tokenUrl = '';
  const auth = createGoogleEmulatorAuth({
    apiKey: options.apiKey ?? 'gemini-emulator-key',
    publicKey: options.serviceAccountPublicKey ?? null,
    tokenUrl: () => tokenUrl,
  });

  const json = (recording: RecordedBody<unknown>, headers: Readonly<Record<string, string>>): PreparedResponse =>
    jsonResponse(recording.status, { ...headers }, recording.body, 2);
  // Each stream is serialized once, on first use.
  const scripts = new Map<GoogleStreamRecording, PreparedResponse>();
  const stream = (recording: GoogleStreamRecording, headers: Readonly<Record<string, string>>): PreparedResponse => {
    let prepared = scripts.get(recording);
    if (prepared === undefined) {
      prepared = { kind: 'sse', headers: { ...headers }, script: buildGoogleSseScript(recording) };
      scripts.set(recording, prepared);
    }
    return prepared;
  };

  const thinks = (request: GenerateRequest): boolean => {
    const config = request.generationConfig?.thinkingConfig;
    return config?.includeThoughts === true || config?.thinkingLevel !== undefined;
  };
  const hasTools = (request: GenerateRequest): boolean => (request.tools?.length ?? 0) > 0;

  const geminiGenerate = (request: GenerateRequest, streamed: boolean): PreparedResponse => {
    const { gemini } = fixtures;
    if (streamed) {
      const recording = hasTools(request) ? gemini.toolCallStream : thinks(request) ? gemini.thinkingStream : gemini.textStream;
      return stream(recording, gemini.streamHeaders);
    }
    const strictSafety = request.safetySettings?.some((setting) => setting.threshold === 'BLOCK_LOW_AND_ABOVE') ?? false;
    const recording = strictSafety ? gemini.safetyBlock : hasTools(request) ? gemini.toolCall : thinks(request) ? gemini.thinkingText : gemini.text;
    return json(recording, gemini.headers);
  };

  const vertexGenerate = (request: GenerateRequest, streamed: boolean): PreparedResponse => {
    const { vertex } = fixtures;
    if (streamed) return stream(hasTools(request) ? vertex.toolCallStream : vertex.textStream, vertex.streamHeaders);
    const recording = request.modelArmorConfig !== undefined ? vertex.armorBlock : hasTools(request) ? vertex.toolCall : vertex.text;
    return json(recording, vertex.headers);
  };

  /** The recorded vector, cut to the requested size (Matryoshka embeddings keep their leading values). */
  const geminiVector = (dimensions: number | undefined): { values: readonly number[] } => ({
    values: fixtures.gemini.embedding.values.slice(0, dimensions),
  });

  const gemini = (request: EmulatorRequest, version: string, model: string, method: string): PreparedResponse => {
    const denied = auth.checkApiKey(request);
    if (denied) return denied;
    if (unknownModel.test(model)) return geminiModelNotFound(fixtures, model, version, method);
    switch (method) {
      case 'generateContent':
      case 'streamGenerateContent': {
        const parsed = parseJson(request.rawBody, generateRequestSchema, 'GenerateContentRequest');
        return parsed.ok ? geminiGenerate(parsed.value, method === 'streamGenerateContent') : parsed.response;
      }
      case 'batchEmbedContents': {
        const parsed = parseJson(request.rawBody, batchEmbedRequestSchema, 'BatchEmbedContentsRequest');
        if (!parsed.ok) return parsed.response;
        const embeddings = parsed.value.requests.map((item) => geminiVector(item.outputDimensionality));
        return jsonResponse(200, { ...fixtures.gemini.headers }, { embeddings }, 2);
      }
      case 'embedContent': {
        const parsed = parseJson(request.rawBody, embedContentSchema, 'EmbedContentRequest');
        if (!parsed.ok) return parsed.response;
        return jsonResponse(200, { ...fixtures.gemini.headers }, { embedding: geminiVector(parsed.value.outputDimensionality) }, 2);
      }
      default:
        return googleError(404, 'NOT_FOUND', `Method ${method} is not emulated.`);
    }
  };

  const vertex = (request: EmulatorRequest, project: string, location: string, model: string, method: string): PreparedResponse => {
    const denied = auth.checkBearer(request);
    if (denied) return denied;
    if (unknownModel.test(model)) return vertexModelNotFound(project, location, model);
    switch (method) {
      case 'generateContent':
      case 'streamGenerateContent': {
        const parsed = parseJson(request.rawBody, generateRequestSchema, 'GenerateContentRequest');
        return parsed.ok ? vertexGenerate(parsed.value, method === 'streamGenerateContent') : parsed.response;
      }
      case 'predict': {
        const parsed = parseJson(request.rawBody, predictRequestSchema, 'PredictRequest');
        if (!parsed.ok) return parsed.response;
        const { instances, parameters } = parsed.value;
        const recorded = fixtures.vertex.embeddings;
        const predictions = instances.map((_, index) => {
          const prediction = recorded[index % recorded.length] ?? recorded[0];
          const values = prediction?.embeddings.values.slice(0, parameters?.outputDimensionality) ?? [];
          return { embeddings: { statistics: prediction?.embeddings.statistics, values } };
        });
        const billableCharacterCount = instances.reduce((sum, instance) => sum + instance.content.replace(/\s/g, '').length, 0);
        return jsonResponse(200, { ...fixtures.vertex.headers }, { predictions, metadata: { billableCharacterCount } }, 2);
      }
      default:
        return googleError(404, 'NOT_FOUND', `Method ${method} is not emulated.`);
    }
  };

  const handle = (request: EmulatorRequest): PreparedResponse => {
    if (request.method !== 'POST') return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
    if (request.path === '/token') return auth.issueToken(request);
    const geminiMatch = geminiPath.exec(request.path);
    if (geminiMatch) {
      const [, version = 'v1beta', model = '', method = ''] = geminiMatch;
      return gemini(request, version, decodeURIComponent(model), method);
    }
    const vertexMatch = vertexPath.exec(request.path);
    if (vertexMatch) {
      const [, , project = '', location = '', model = '', method = ''] = vertexMatch;
      return vertex(request, decodeURIComponent(project), decodeURIComponent(location), decodeURIComponent(model), method);
    }
    return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
  };

  const server = await startEmulatorServer({
    ...resolveServerOptions(options),
    basePath: '',
    fault: options.fault ?? null,
    handle,
    renderStatusFault: (status, retryAfter) => renderGoogleStatusFault(fixtures, status, retryAfter),
    renderInvalidFault: (message) => googleError(400, 'INVALID_ARGUMENT', message),
  });
  tokenUrl = `${server.url}/token`;
  return Object.assign(server, { tokenUrl });
}
