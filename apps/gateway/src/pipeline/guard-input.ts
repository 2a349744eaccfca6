import type { ChatCompletionRequest, EmbeddingRequest } from '@arbiter/shared';
import type { MessagesRequest } from '../ingress/anthropic/anthropic-messages-api.js';
import type { GuardrailViolationError, RequestGuard } from './guard-request.js';

/**
 * The input guard: the tenant's input rules on the text a client sends, before routing. What is scanned, in both
 * formats: every message's text (system and developer prompts, user turns, earlier assistant turns, tool results),
 * text parts and blocks inside list contents, Anthropic documents given as plain text or as text blocks, and
 * embeddings input strings. Not scanned: images, audio, files and PDFs, tool definitions, tool-call arguments,
 * thinking blocks (their signature covers the text) and token-id inputs. Redaction replaces the text where it was
 * found, so the upstream (and the usage record) gets the redacted request; anything else is sent unchanged.
 */
export interface GuardedInput<Request> {
  request: Request;
  /** Set when a `block` guardrail triggered; the request is then the redacted one, for the record. */
  blocked: GuardrailViolationError | null;
}

export function guardChatInput(guard: RequestGuard, request: ChatCompletionRequest): GuardedInput<ChatCompletionRequest> {
  return guardTexts(guard, request, 'messages', (value, visit) => ({ ...value, messages: mapList(value.messages, (message) => mapField(message, 'content', (content) => mapContent(content, visit))) }));
}

export function guardMessagesInput(guard: RequestGuard, request: MessagesRequest): GuardedInput<MessagesRequest> {
  return guardTexts(guard, request, 'messages', (value, visit) => {
    const messages = mapList(value.messages, (message) => mapField(message, 'content', (content) => mapContent(content, visit)));
    const system = value.system === undefined ? undefined : mapContent(value.system, visit);
    return messages === value.messages && system === value.system ? value : { ...value, messages, ...(system === undefined ? {} : { system }) };
  });
}

export function guardEmbeddingInput(guard: RequestGuard, request: EmbeddingRequest): GuardedInput<EmbeddingRequest> {
  return guardTexts(guard, request, 'input', (value, visit) => {
    const input = value.input;
    if (typeof input === 'string') return mapField(value, 'input', (text) => visit(text as string));
    if (!input.every((item): item is string => typeof item === 'string')) return value;
    const mapped = mapList(input, visit);
    return mapped === input ? value : { ...value, input: mapped };
  });
}

type Visit = (text: string) => string;
/** Rebuilds `value` with every scanned text passed through `visit`; returns `value` itself when nothing changed. */
type MapTexts<Request> = (value: Request, visit: Visit) => Request;

/** Two passes over the same walk: collect the texts, scan them, then write back the redacted ones (if any). */
function guardTexts<Request>(guard: RequestGuard, request: Request, param: string, mapTexts: MapTexts<Request>): GuardedInput<Request> {
  if (!guard.guardsInput) return { request, blocked: null };
  const texts: string[] = [];
  mapTexts(request, (text) => {
    texts.push(text);
    return text;
  });
  const outcome = guard.scan(texts, 'input', param);
  const redacted = outcome.texts;
  if (redacted === null) return { request, blocked: outcome.blocked };
  let index = 0;
  const rewritten = mapTexts(request, () => redacted[index++] ?? '');
  return { request: rewritten, blocked: outcome.blocked };
}

/** A message's content (OpenAI or Anthropic): a string, or a list of parts/blocks whose text ones are visited. */
function mapContent<Content>(content: Content, visit: Visit): Content {
  if (typeof content === 'string') return visit(content) as Content;
  if (!Array.isArray(content)) return content;
  return mapList(content as unknown[], (block) => mapBlock(block, visit)) as Content;
}

function mapBlock(block: unknown, visit: Visit): unknown {
  if (!isRecord(block)) return block;
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? mapField(block, 'text', (text) => visit(text as string)) : block;
    case 'tool_result':
      return mapField(block, 'content', (content) => mapContent(content, visit));
    case 'document':
      return mapField(block, 'source', (source) => mapDocumentSource(source, visit));
    default:
      return block;
  }
}

/** Plain-text documents (`data`) and documents given as content blocks; base64 PDFs, URLs and file ids are not read. */
function mapDocumentSource(source: unknown, visit: Visit): unknown {
  if (!isRecord(source)) return source;
  if (source.type === 'text' && typeof source.data === 'string') return mapField(source, 'data', (data) => visit(data as string));
  if (source.type === 'content') return mapField(source, 'content', (content) => mapContent(content, visit));
  return source;
}

/** `value` with one field mapped (a shallow copy only when it changed). The walk preserves every shape it visits. */
function mapField<Value extends object>(value: Value, key: string, map: (field: unknown) => unknown): Value {
  const field: unknown = (value as Record<string, unknown>)[key];
  if (field === undefined || field === null) return value;
  const mapped = map(field);
  return mapped === field ? value : { ...value, [key]: mapped };
}

function mapList<Item>(items: Item[], map: (item: Item) => Item): Item[] {
  let changed: Item[] | null = null;
  items.forEach((item, index) => {
    const mapped = map(item);
    if (mapped === item) return;
    changed ??= [...items];
    changed[index] = mapped;
  });
  return changed ?? items;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
