import { z } from 'zod';
import {
  findStatusError,
  jsonResponse,
  parseRequestJson,
  retryAfterHeaders,
  startEmulatorServer,
  type EmulatorHandle,
  type EmulatorRequest,
  type PreparedResponse,
} from '../../../emulators/emulator-server.js';
import { errorBody, type ErrorBody } from '../../../emulators/openai-emulator.js';

/**
 * For tests only: an OpenAI-wire `/v1/chat/completions` whose answer a test scripts, on the emulators' shared plumbing
 * (request recording, `x-emulator-fault` faults such as `hang` and `latency`). The OpenAI emulator replays one
 * recorded answer; a classifier test needs to choose what the model says, as the scripted judge server does.
 */

const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string() })).min(1),
});
export type ScriptedChatRequest = z.infer<typeof chatRequestSchema>;

export interface ScriptedChatServerOptions {
  /** The assistant's text for a request. */
  reply: (request: ScriptedChatRequest) => string;
  apiKey?: string;
}

const statusErrors: Record<number, ErrorBody> = {
  400: errorBody('Invalid request.'),
  500: errorBody('The server had an error while processing your request. Sorry about that!', 'server_error'),
};

// Roughly what a tokenizer counts for English; the usage only needs to be plausible and deterministic.
const countTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export function startScriptedChatServer(options: ScriptedChatServerOptions): Promise<EmulatorHandle> {
  const apiKey = options.apiKey ?? 'sk-emulator';
  let counter = 0;
  const headers = { 'content-type': 'application/json' };
  const handle = (request: EmulatorRequest): PreparedResponse => {
    if (request.headers.authorization !== `Bearer ${apiKey}`) return jsonResponse(401, headers, errorBody('Incorrect API key provided.', undefined, null, 'invalid_api_key'));
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') return jsonResponse(404, headers, errorBody(`Invalid URL (${request.method} ${request.path})`));
    const json = parseRequestJson(request.rawBody);
    const parsed = json.ok ? chatRequestSchema.safeParse(json.value) : undefined;
    if (parsed === undefined || !parsed.success) return jsonResponse(400, headers, errorBody('Invalid request.'));
    const content = options.reply(parsed.data);
    const promptTokens = countTokens(parsed.data.messages.map((message) => message.content).join('\n'));
    const completionTokens = countTokens(content);
    counter += 1;
    return jsonResponse(200, headers, {
      id: `chatcmpl-scripted-${counter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: parsed.data.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  };
  return startEmulatorServer({
    host: '127.0.0.1',
    port: 0,
    basePath: '/v1',
    fast: false,
    record: true,
    fault: null,
    handle,
    renderStatusFault: (status, retryAfter) =>
      jsonResponse(status, { ...headers, ...retryAfterHeaders(retryAfter) }, findStatusError(statusErrors, status) ?? errorBody('Error', 'server_error')),
    renderInvalidFault: (message) => jsonResponse(400, headers, errorBody(message)),
  });
}
