import { GatewayError, type ChatCompletionRequest, type ChatCompletionResponse } from '@arbiter/shared';
import { selfCheckGuardrailId, type GuardrailDirection } from '../guardrails/policy.js';
import type { SelfCheckComplete } from '../guardrails/self-check/run-self-check.js';
import { isAllowed } from '../identity/permissions.js';
import type { MessagesRequest } from '../ingress/anthropic/anthropic-messages-api.js';
import type { Principal } from './authenticate.js';
import type { PipelineServices } from './chat-completion.js';
import { noSelfCheckModel, openRequestGuard, type GuardrailViolationError, type RequestGuard, type SelfCheckCompleteFactory } from './guard-request.js';

/**
 * The `llm_self_check` guardrail's side of the pipeline: the model call it makes, and which text of a request or an
 * answer it judges.
 *
 * The call goes through the gateway's own pipeline (routing, fallback, metering), attributed to the request's tenant,
 * key and user, and is recorded as a usage row of its own: trace id `<request id>/llm_self_check` (a `/` no client
 * request id can contain, so admission never settles the guarded request's reservation with it) and the warning
 * `guardrail self-check (<direction>) for <request id>`. That row never keeps content: its answer is the model's
 * reason, which may paraphrase what it reviewed. The call runs without guardrails, so a check is never checked.
 */

export interface SelfCheckCaller {
  requestId: string;
  principal: Principal;
}

// The self-check aborts the call at its own `timeout_ms` (at most 60 s); this only bounds a call nobody aborts.
const backstopTimeoutMs = 65_000;

/** The request's guard (null without guardrails), its self-check calling models through `services`. */
export function openPipelineGuard(services: PipelineServices, caller: SelfCheckCaller): RequestGuard | null {
  // Looked up first so that a tenant without guardrails allocates nothing (not even the self-check's closure).
  if (services.guardrails?.guardrailsFor(caller.principal) == null) return null;
  return openRequestGuard(services.guardrails, caller.principal, createSelfCheckCompletion(services, caller));
}

/** Without `services` (a caller that was given no model access) every check fails, and `on_error` decides. */
export function createSelfCheckCompletion(services: PipelineServices | undefined, caller: SelfCheckCaller): SelfCheckCompleteFactory {
  if (services === undefined) return () => noSelfCheckModel;
  // No `guardrails`: the pipeline opens no guard for the checker's own call.
  const unguarded: PipelineServices = { catalog: services.catalog, router: services.router, recorder: services.recorder };
  return (direction) => createSelfCheckComplete(unguarded, caller, direction);
}

/**
 * The test endpoint runs a self-check from a policy its caller wrote, so the model call is allowed only to a caller
 * who may call that model anyway (the `inference` permission, the key's model allowlist by the name given). In the
 * pipeline the policy is the tenant's, set by its admin, and the check runs whatever the key's allowlist says.
 */
export function assertMayRunSelfCheck(principal: Principal, model: string): void {
  if (!isAllowed(principal.role, 'inference')) {
    throw new GatewayError('permission_denied', { message: `The ${principal.role} role may not call models, so it cannot test ${selfCheckGuardrailId}.` });
  }
  if (principal.allowedModels !== null && !principal.allowedModels.includes(model)) {
    throw new GatewayError('model_not_allowed', { message: `This key may not use the model '${model}' of ${selfCheckGuardrailId}.`, param: 'policy.rules' });
  }
}

function createSelfCheckComplete(services: PipelineServices, caller: SelfCheckCaller, direction: GuardrailDirection): SelfCheckComplete {
  return async (request) => {
    // Imported on first use: governance's executor imports the chat pipeline, which imports this module.
    const { executeChat } = await import('../governance/execute-chat.js');
    const execution = await executeChat(
      services,
      { principal: caller.principal, requestId: `${caller.requestId}/${selfCheckGuardrailId}`, recordContent: false },
      {
        model: request.model,
        messages: request.messages.map((message) => (message.role === 'system' ? { role: 'system', content: message.content } : { role: 'user', content: message.content })),
        temperature: request.temperature,
        maxTokens: request.max_tokens,
        responseFormat: request.response_format,
        tags: [`guardrail self-check (${direction}) for ${caller.requestId}`],
        timeoutMs: backstopTimeoutMs,
        timeoutMessage: 'The guardrail self-check model did not answer in time.',
      },
      request.signal,
    );
    if (execution.status === 'failed') {
      const error = execution.error ?? { code: 'internal_error', message: 'unknown failure' };
      throw new Error(`self-check model call failed (${error.code}): ${error.message}`);
    }
    return { text: execution.text ?? '', costUsd: execution.cost?.total ?? null };
  };
}

/** The input self-check of a chat request (after the detectors, on their redacted request); null when it passes. */
export async function selfCheckChatInput(guard: RequestGuard, request: ChatCompletionRequest, signal: AbortSignal): Promise<GuardrailViolationError | null> {
  return guard.selfChecks('input') ? guard.selfCheck(lastUserChatText(request), 'input', 'messages', signal) : null;
}

export async function selfCheckMessagesInput(guard: RequestGuard, request: MessagesRequest, signal: AbortSignal): Promise<GuardrailViolationError | null> {
  return guard.selfChecks('input') ? guard.selfCheck(lastUserMessagesText(request), 'input', 'messages', signal) : null;
}

/** The output self-check of a whole answer's text (after the detectors' redactions); null when it passes. */
export async function selfCheckAnswer(guard: RequestGuard, text: string, signal: AbortSignal): Promise<GuardrailViolationError | null> {
  return guard.selfChecks('output') ? guard.selfCheck(text, 'output', null, signal) : null;
}

/**
 * What the input self-check judges: the last user message that has text, its text parts joined. System and developer
 * prompts are the developer's and trusted; earlier turns were judged when they were last; tool results, images and
 * documents are not the user's words. In an agent loop (the last user turn only tool results) the question that
 * started it is judged again at each step, in both formats alike.
 */
export function lastUserChatText(request: ChatCompletionRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (message?.role !== 'user') continue;
    const text =
      typeof message.content === 'string'
        ? message.content
        : message.content
            .flatMap((part) => (part.type === 'text' ? [part.text] : []))
            .join('\n');
    if (text.trim() !== '') return text;
  }
  return '';
}

/** As `lastUserChatText`, for an Anthropic request: the text blocks of the last user message that has any. */
export function lastUserMessagesText(request: MessagesRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (message?.role !== 'user') continue;
    const content: unknown = message.content;
    const text = typeof content === 'string' ? content : Array.isArray(content) ? content.flatMap(blockText).join('\n') : '';
    if (text.trim() !== '') return text;
  }
  return '';
}

function blockText(block: unknown): string[] {
  if (typeof block !== 'object' || block === null) return [];
  const { type, text } = block as { type?: unknown; text?: unknown };
  return type === 'text' && typeof text === 'string' ? [text] : [];
}

/** What the output self-check judges in a whole answer: every choice's text (n > 1 is judged as one answer). */
export function chatAnswerText(body: ChatCompletionResponse): string {
  return joinAnswers(body.choices.map((choice) => choice.message.content ?? ''));
}

export function joinAnswers(texts: Iterable<string>): string {
  return [...texts].filter((text) => text !== '').join('\n\n');
}
