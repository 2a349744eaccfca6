import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny OpenAI-compatible server whose replies are scripted by the model name, declared in the test config as an
 * `openai-compatible` provider, so that judge behaviour is controlled exactly:
 * - `judge-score-<n>`: a fenced ```json grade with score n/100 (pairwise: prefers the longer answer, in either order);
 * - `judge-retry`: prose first; valid JSON once the conversation shows its earlier reply (the repair turn);
 * - `judge-malformed`: always prose;
 * - `judge-slow`: a valid grade after `slowMs`;
 * - `judge-first`: pairwise, always prefers whichever answer it saw first (position bias);
 * - anything else, or a request without the judge's rubric: a plain answer (it can be an analysed model too).
 */
export interface ScriptedJudgeServer {
  /** The base URL to declare (`…/v1`). */
  url: string;
  /** Every chat request received: the model and its messages. */
  requests: Array<{ model: string; messages: Array<{ role: string; content: string }> }>;
  close(): Promise<void>;
}

export const SCRIPTED_USAGE = { prompt_tokens: 50, completion_tokens: 20 } as const;
export const SCRIPTED_ANSWER = 'Scripted answer: enable S3 Block Public Access and default encryption.';

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
}

export async function startScriptedJudgeServer(options: { slowMs?: number } = {}): Promise<ScriptedJudgeServer> {
  const requests: ScriptedJudgeServer['requests'] = [];
  const server: Server = createServer((request, response) => {
    void readJson(request).then(async (body) => {
      requests.push({ model: body.model, messages: body.messages });
      if (body.model === 'judge-slow') {
        const aborted = await sleepUnlessClosed(options.slowMs ?? 2000, request);
        if (aborted) return;
      }
      const content = reply(body);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: `chatcmpl-scripted-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { ...SCRIPTED_USAGE, total_tokens: SCRIPTED_USAGE.prompt_tokens + SCRIPTED_USAGE.completion_tokens },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(body: ChatBody): string {
  const system = body.messages.find((message) => message.role === 'system')?.content ?? '';
  const user = body.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
  if (system.includes('comparing two answers')) return pairwiseReply(body.model, user);
  if (!system.includes('impartial expert judge')) return SCRIPTED_ANSWER;
  const scored = /^judge-score-(\d+)$/.exec(body.model);
  if (scored !== null) return fenced({ score: Number(scored[1]) / 100, rationale: `Scripted grade by ${body.model}.` });
  switch (body.model) {
    case 'judge-retry':
      return body.messages.some((message) => message.role === 'assistant')
        ? JSON.stringify({ score: 0.7, rationale: 'Valid on the second attempt.' })
        : 'I think this answer deserves a 7 out of 10.';
    case 'judge-slow':
      return JSON.stringify({ score: 0.9, rationale: 'Too late to count.' });
    default:
      return 'This answer looks fine to me, no JSON today.';
  }
}

function pairwiseReply(model: string, user: string): string {
  if (model === 'judge-first') return JSON.stringify({ preferred: 'A', rationale: 'The first answer reads better.' });
  const a = /<answer_a>\n([\s\S]*?)\n<\/answer_a>/.exec(user)?.[1] ?? '';
  const b = /<answer_b>\n([\s\S]*?)\n<\/answer_b>/.exec(user)?.[1] ?? '';
  return fenced({ preferred: a.length === b.length ? 'tie' : a.length > b.length ? 'A' : 'B', rationale: 'The longer answer covers more.' });
}

function fenced(value: object): string {
  return `Here is my verdict:\n\`\`\`json\n${JSON.stringify(value)}\n\`\`\``;
}

function readJson(request: IncomingMessage): Promise<ChatBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody));
    request.on('error', reject);
  });
}

/** True when the client went away first (the gateway's judge deadline aborted the call). */
function sleepUnlessClosed(ms: number, request: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    request.socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
