import type { ChatCompletionChunk } from '@arbiter/shared';
import type { StreamWriter } from '../pipeline/chat-completion.js';
import { formatDataEvent } from '../providers/shared/sse.js';
import type { SseTransport } from './sse-transport.js';

/**
 * OpenAI chat-completions SSE: `data: <chunk>` events, the usage chunk only when the client asked for it
 * (`stream_options.include_usage`), then `data: [DONE]`. An error after the first byte is one `data: {"error":…}`.
 */
export function createOpenAIStreamWriter(transport: SseTransport, includeUsage: boolean): StreamWriter {
  return {
    get opened() {
      return transport.opened;
    },
    open: (meta) => transport.open(meta),
    writeChunk: (chunk, raw) => transport.write(raw === undefined ? formatDataEvent(chunk) : `data: ${raw}\n\n`),
    async finish(usage, lastChunk, model) {
      if (includeUsage) {
        const usageChunk: ChatCompletionChunk = {
          id: lastChunk?.id ?? 'chatcmpl-arbiter',
          object: 'chat.completion.chunk',
          created: lastChunk?.created ?? Math.floor(Date.now() / 1000),
          model: lastChunk?.model ?? model,
          choices: [],
          usage,
        };
        await transport.write(formatDataEvent(usageChunk));
      }
      await transport.write('data: [DONE]\n\n');
    },
    fail: (error) => transport.write(formatDataEvent(error.toEnvelope())),
    end: () => transport.end(),
  };
}
