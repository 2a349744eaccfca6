import type {
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatCompletionResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  FinishReason,
  NormalizedUsage,
  OpenAIUsage,
} from '@arbiter/shared';

/**
 * The one interface every provider implements (version 1). Inside the gateway the lingua franca is the OpenAI
 * chat-completions format: adapters convert to and from their provider's wire format, report normalised usage,
 * and say which parameters they could not honour instead of dropping them silently.
 */
export interface ProviderAdapter {
  readonly specificationVersion: 'v1';
  /** The provider instance name in config and records (`openai`, `anthropic`, `ollama`, …). */
  readonly id: string;
  /** The implementation (`openai`, `anthropic`, `openai-compatible`, later `bedrock`, `vertex`, `azure`). */
  readonly kind: string;
  /** Names the missing credential when the provider cannot be called (null when it can). */
  missingCredential(): string | null;
  createChatCompletion(call: ChatCall): Promise<ChatResult>;
  /** Resolves once the upstream accepted the request (status and headers read), before the first chunk. */
  streamChatCompletion(call: ChatCall): Promise<ChatStream>;
  createEmbeddings?(call: EmbeddingCall): Promise<EmbeddingResult>;
}

export interface CallContext {
  /** The model name the upstream knows. */
  upstreamModel: string;
  requestId: string;
  /** Aborted when the client goes away or a timeout fires; adapters pass it to the HTTP call. */
  signal: AbortSignal;
}

export interface ChatCall extends CallContext, ChatCallOptions {
  request: ChatCompletionRequest;
}

export interface EmbeddingCall extends CallContext {
  request: EmbeddingRequest;
}

export interface UpstreamMetadata {
  status: number;
  /** The provider's own request id, for support tickets. */
  requestId: string | null;
  /** The exact model that answered (e.g. a dated snapshot). */
  model: string | null;
}

export interface ChatResult {
  body: ChatCompletionResponse;
  /**
   * The upstream's own response bytes, when they already are the OpenAI body the client gets (OpenAI and compatible
   * servers): the gateway forwards them instead of serialising `body` again.
   */
  rawBody?: string;
  /** Null when the upstream reported no usage; the gateway then estimates it. */
  usage: NormalizedUsage | null;
  finishReason: FinishReason | null;
  warnings: string[];
  upstream: UpstreamMetadata;
}

export type ChatStreamPart =
  /** A chunk to forward to the client, in OpenAI format, without `usage` (the gateway adds it when asked). */
  | {
      type: 'chunk';
      chunk: ChatCompletionChunk;
      /** The upstream's own JSON text of this chunk, when it can be forwarded unchanged (saves re-serialising). */
      raw?: string;
    }
  /**
   * Usage as the upstream reported it; may arrive once, at the end. `wire` is the upstream's own OpenAI-shaped usage
   * object when it sent one (kept so that clients see every detail field), otherwise the gateway derives it.
   */
  | { type: 'usage'; usage: NormalizedUsage; wire?: OpenAIUsage };

export interface ChatCallOptions {
  /** The model's largest output (from the catalog), for providers that require `max_tokens` (Anthropic). */
  maxOutputTokens?: number | null;
  /** The catalog says this is a reasoning model (OpenAI's o-series and gpt-5 family refuse sampling parameters). */
  reasoningModel?: boolean;
}

export interface ChatStream extends AsyncIterable<ChatStreamPart> {
  warnings: string[];
  upstream: UpstreamMetadata;
}

export interface EmbeddingResult {
  body: EmbeddingResponse;
  usage: NormalizedUsage | null;
  warnings: string[];
  upstream: UpstreamMetadata;
}

/** The stream an adapter returns: the parts, with what is known once the upstream accepted the request. */
export function createChatStream(parts: AsyncIterator<ChatStreamPart>, warnings: string[], upstream: UpstreamMetadata): ChatStream {
  return { warnings, upstream, [Symbol.asyncIterator]: () => parts };
}

export function createUsage(input: Partial<NormalizedUsage['input']>, output: Partial<NormalizedUsage['output']>): NormalizedUsage {
  const cacheRead = input.cacheRead ?? 0;
  const cacheWrite = input.cacheWrite ?? 0;
  const inputTotal = input.total ?? (input.noCache ?? 0) + cacheRead + cacheWrite;
  const reasoning = output.reasoning ?? 0;
  const outputTotal = output.total ?? (output.text ?? 0) + reasoning;
  return {
    input: {
      total: inputTotal,
      noCache: input.noCache ?? Math.max(0, inputTotal - cacheRead - cacheWrite),
      cacheRead,
      cacheWrite,
    },
    output: { total: outputTotal, text: output.text ?? Math.max(0, outputTotal - reasoning), reasoning },
  };
}
