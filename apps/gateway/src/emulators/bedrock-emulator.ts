import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { loadBedrockFixtures, type BedrockFixtures, type BedrockStreamRecording } from './bedrock-fixtures.js';
import { verifySignature } from './bedrock-emulator-signature.js';
import {
  containsKey,
  defaultUnknownModelPattern,
  findStatusError,
  jsonResponse,
  parseRequestJson,
  resolveServerOptions,
  retryAfterHeaders,
  startEmulatorServer,
  type EmulatorFault,
  type EmulatorHandle,
  type EmulatorOptions,
  type EmulatorRequest,
  type PreparedResponse,
  type SseScript,
} from './emulator-server.js';

/**
 * Wire-level emulator of the Bedrock runtime (`bedrock-runtime.{region}.amazonaws.com`): Converse, ConverseStream and
 * InvokeModel for Titan Text Embeddings, answering with the recorded real responses. Every request must carry a valid
 * SigV4 signature for the emulator's region, service `bedrock` and known key (403 `InvalidSignatureException` & co.
 * otherwise, as AWS answers). ConverseStream replays the recorded event-stream frames, one write per frame, so the
 * shared `cut-stream` fault cuts between frames and `malformed` inserts a frame with a broken checksum.
 */

/** `bad-crc` corrupts the message CRC of one recorded frame (default the second) of a ConverseStream. */
export type BedrockEmulatorFault = EmulatorFault | { readonly kind: 'bad-crc'; readonly frame?: number };

/** Per-request Bedrock-only fault, JSON-encoded (`{"kind":"bad-crc","frame":3}`); the shared header takes the rest. */
export const bedrockFaultHeaderName = 'x-emulator-bedrock-fault';

const badCrcFaultSchema = z.object({ kind: z.literal('bad-crc'), frame: z.number().int().nonnegative().optional() });
type BadCrcFault = z.infer<typeof badCrcFaultSchema>;

export interface BedrockEmulatorOptions extends EmulatorOptions<BedrockEmulatorFault> {
  /** Bedrock has no API keys: requests are signed with an access key pair. */
  readonly apiKey?: never;
  /** The region signatures must be scoped to. Default `us-east-1`. */
  readonly region?: string;
  /** The only accepted key pair. Default: AWS's documented example keys. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Model ids answered with the recorded 400 "The provided model identifier is invalid.". */
  readonly unknownModelPattern?: RegExp;
  readonly fixtures?: BedrockFixtures;
}

export interface BedrockEmulatorHandle extends EmulatorHandle {
  setFault(fault: BedrockEmulatorFault | null): void;
}

export const defaultAwsAccessKeyId = 'AKIAIOSFODNN7EXAMPLE';
export const defaultAwsSecretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const converseRequestSchema = z.looseObject({
  messages: z.array(z.looseObject({ role: z.string(), content: z.array(z.looseObject({})) })),
  system: z.array(z.unknown()).optional(),
  toolConfig: z.looseObject({ tools: z.array(z.unknown()) }).optional(),
  additionalModelRequestFields: z.looseObject({}).optional(),
});
type ConverseRequest = z.infer<typeof converseRequestSchema>;

const titanRequestSchema = z.looseObject({
  inputText: z.string().min(1),
  dimensions: z.union([z.literal(256), z.literal(512), z.literal(1024)]).optional(),
  normalize: z.boolean().optional(),
});

const statusErrors: Record<number, { type: string; message: string }> = {
  400: { type: 'ValidationException', message: 'Malformed input request, please reformat your input and try again.' },
  403: { type: 'AccessDeniedException', message: "You don't have access to the model with the specified model ID." },
  404: { type: 'ResourceNotFoundException', message: 'The specified model could not be found.' },
  408: { type: 'ModelTimeoutException', message: 'Model has timed out in processing the request. Try your request again.' },
  424: { type: 'ModelErrorException', message: 'The model returned an error.' },
  429: { type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  500: { type: 'InternalServerException', message: 'The server encountered an internal error while processing the request.' },
  503: { type: 'ServiceUnavailableException', message: 'Bedrock is unable to process your request.' },
};

const routePattern = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;

/** A copy of a frame with its message CRC (the last four bytes) broken. */
function breakChecksum(frame: Buffer): Buffer {
  const copy = Buffer.from(frame);
  copy.writeUInt32BE(~copy.readUInt32BE(copy.length - 4) >>> 0, copy.length - 4);
  return copy;
}

/** The frames as the shared server's stream script: one write per frame; `malformed` inserts a broken second frame. */
function buildFrameScript(frames: readonly Buffer[]): SseScript {
  const sample = frames[1] ?? frames[0];
  return { events: frames, whole: Buffer.concat(frames), malformedEvent: sample === undefined ? Buffer.alloc(0) : breakChecksum(sample) };
}

/** A unit vector derived from the text, for Titan requests other than the recorded one. */
function syntheticEmbedding(text: string, dimensions: number, normalize: boolean): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block += 1) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let offset = 0; offset + 2 <= digest.length && values.length < dimensions; offset += 2) values.push(digest.readInt16BE(offset) / 32768);
  }
  const length = Math.hypot(...values) || 1;
  return normalize ? values.map((value) => value / length) : values;
}

export async function startBedrockEmulator(options: BedrockEmulatorOptions = {}): Promise<BedrockEmulatorHandle> {
  const fixtures = options.fixtures ?? loadBedrockFixtures();
  const region = options.region ?? 'us-east-1';
  const accessKeyId = options.accessKeyId ?? defaultAwsAccessKeyId;
  const secretAccessKey = options.secretAccessKey ?? defaultAwsSecretAccessKey;
  const unknownModel = options.unknownModelPattern ?? defaultUnknownModelPattern;
  let badCrc: BadCrcFault | null = null;
  /** Requests with cachePoints seen before: the first answers with the cache write, repeats with the cache read. */
  const cachedPrefixes = new Set<string>();

  const streamScripts = new Map<BedrockStreamRecording, SseScript>();
  for (const recording of Object.values(fixtures.streams)) streamScripts.set(recording, buildFrameScript(recording.frames));

  const baseHeaders = () => ({ 'x-amzn-requestid': randomUUID() });
  const json = (body: unknown, extra?: Record<string, string>): PreparedResponse =>
    jsonResponse(200, { ...baseHeaders(), 'content-type': 'application/json', ...extra }, body);
  const error = (status: number, type: string, message: string, extra?: Record<string, string>): PreparedResponse =>
    jsonResponse(
      status,
      { ...baseHeaders(), 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...extra },
      { message },
    );

  const parseJson = (raw: Buffer): unknown => {
    const json = parseRequestJson(raw);
    return json.ok ? json.value : undefined;
  };
  const validationError = (issue: z.core.$ZodIssue | undefined): PreparedResponse =>
    error(400, 'ValidationException', `1 validation error detected: Value at '${issue?.path.join('.') ?? 'body'}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`);

  const hasToolResult = (request: ConverseRequest) => request.messages.at(-1)?.content.some((block) => 'toolResult' in block) ?? false;
  const hasTools = (request: ConverseRequest) => (request.toolConfig?.tools.length ?? 0) > 0;

  const converse = (request: ConverseRequest, raw: Buffer): PreparedResponse => {
    const recorded = fixtures.converse;
    if (containsKey(request, 'cachePoint')) {
      const key = createHash('sha256').update(raw).digest('hex');
      const seen = cachedPrefixes.has(key);
      cachedPrefixes.add(key);
      return json((seen ? recorded.cacheRead : recorded.cacheWrite).body);
    }
    if (hasToolResult(request)) return json(recorded.toolResult.body);
    return json((hasTools(request) ? recorded.toolUse : recorded.text).body);
  };

  const converseStream = (request: ConverseRequest, fault: BadCrcFault | null): PreparedResponse => {
    const streams = fixtures.streams;
    const thinking = containsKey(request.additionalModelRequestFields, 'thinking');
    const recording = thinking ? streams.thinking : hasToolResult(request) ? streams.toolResult : hasTools(request) ? streams.toolUse : streams.text;
    const broken = Math.min(fault?.frame ?? 1, recording.frames.length - 1);
    const frames = fault === null ? null : recording.frames.map((frame, index) => (index === broken ? breakChecksum(frame) : frame));
    const script = frames === null ? streamScripts.get(recording) : buildFrameScript(frames);
    const headers = { ...baseHeaders(), 'content-type': 'application/vnd.amazon.eventstream' };
    return { kind: 'sse', headers, script: script ?? buildFrameScript(recording.frames) };
  };

  const invoke = (modelId: string, raw: Buffer): PreparedResponse => {
    if (!/(^|[./])amazon\.titan-embed-text-v[12]/.test(modelId)) {
      return error(400, 'ValidationException', `The emulator serves InvokeModel for Amazon Titan Text Embeddings only, not ${modelId}.`);
    }
    const parsed = titanRequestSchema.safeParse(parseJson(raw));
    if (!parsed.success) return validationError(parsed.error.issues[0]);
    const { inputText, dimensions = 1024, normalize = true } = parsed.data;
    const recorded = fixtures.titanEmbedding;
    const body =
      inputText === recorded.request.inputText && dimensions === recorded.request.dimensions
        ? recorded.body
        : { embedding: syntheticEmbedding(inputText, dimensions, normalize), inputTextTokenCount: inputText.split(/\s+/).filter(Boolean).length + 1 };
    return json(body, { 'x-amzn-bedrock-input-token-count': String(body.inputTextTokenCount), 'x-amzn-bedrock-invocation-latency': '78' });
  };

  const resolveBadCrc = (request: EmulatorRequest): BadCrcFault | null | { invalid: string } => {
    const header = request.headers[bedrockFaultHeaderName];
    if (header === undefined) return badCrc;
    const parsed = badCrcFaultSchema.safeParse(parseJson(Buffer.from(Array.isArray(header) ? header.join(',') : header)));
    return parsed.success ? parsed.data : { invalid: `Invalid ${bedrockFaultHeaderName}: expected {"kind":"bad-crc","frame"?:n}` };
  };

  const handle = (request: EmulatorRequest): PreparedResponse => {
    const verdict = verifySignature(
      { method: request.method, path: request.path, headers: request.headers, body: request.rawBody },
      { region, service: 'bedrock', accessKeyId, secretAccessKey },
    );
    if (!verdict.valid) return error(403, verdict.errorType, verdict.message);
    const route = routePattern.exec(request.path);
    if (request.method !== 'POST' || route === null) return error(404, 'UnknownOperationException', `No operation at ${request.method} ${request.path}`);
    const modelId = decodeURIComponent(route[1] ?? '');
    if (unknownModel.test(modelId)) return error(fixtures.invalidModel.status, 'ValidationException', fixtures.invalidModel.body.message);
    if (route[2] === 'invoke') return invoke(modelId, request.rawBody);
    const parsed = converseRequestSchema.safeParse(parseJson(request.rawBody));
    if (!parsed.success) return validationError(parsed.error.issues[0]);
    if (route[2] === 'converse') return converse(parsed.data, request.rawBody);
    const fault = resolveBadCrc(request);
    if (fault !== null && 'invalid' in fault) return error(400, 'ValidationException', fault.invalid);
    return converseStream(parsed.data, fault);
  };

  const server = await startEmulatorServer({
    ...resolveServerOptions(options),
    basePath: '',
    fault: null,
    handle,
    renderStatusFault(status, retryAfter) {
      const known = findStatusError(statusErrors, status);
      return error(status, known?.type ?? 'InternalServerException', known?.message ?? 'Internal error', retryAfterHeaders(retryAfter));
    },
    renderInvalidFault(message) {
      return error(400, 'ValidationException', message);
    },
  });

  const setFault = (fault: BedrockEmulatorFault | null): void => {
    if (fault?.kind === 'bad-crc') {
      badCrc = badCrcFaultSchema.parse(fault);
      server.setFault(null);
    } else {
      badCrc = null;
      server.setFault(fault);
    }
  };
  setFault(options.fault ?? null);
  return { url: server.url, port: server.port, requests: server.requests, setFault, close: () => server.close() };
}
