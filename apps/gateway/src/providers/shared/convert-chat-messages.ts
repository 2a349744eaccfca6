import { GatewayError, type ChatMessage } from '@arbiter/shared';

/**
 * Pure helpers for converting OpenAI messages to the APIs that have no system turns and want user and model turns to
 * alternate (Anthropic Messages, Bedrock Converse, Gemini). Errors are `invalid_request` naming the offending param.
 */

type SystemMessage = Extract<ChatMessage, { role: 'system' | 'developer' }>;
export type UserMessage = Extract<ChatMessage, { role: 'user' }>;
export type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;
export type ToolMessage = Extract<ChatMessage, { role: 'tool' }>;

export interface MessageTarget {
  /** The provider as warnings and errors name it (`Anthropic`, `Bedrock`, `Google`). */
  provider: string;
  /** Where system messages are hoisted to, for the warning about late ones (`the top-level system prompt`). */
  systemPlace: string;
}

export interface ChatMessageVisitor {
  system(content: SystemMessage['content']): void;
  user(message: UserMessage, path: string): void;
  assistant(message: AssistantMessage, path: string): void;
  tool(message: ToolMessage, path: string): void;
}

/**
 * Walks the messages in order, handing each to the visitor with its param path (`messages[3]`). What every such
 * provider does alike is done here: `name` is reported as not sent, system messages after the conversation started
 * are reported as moved, and deprecated function messages are rejected.
 */
export function visitChatMessages(input: ChatMessage[], target: MessageTarget, warnings: Set<string>, visitor: ChatMessageVisitor): void {
  let conversationStarted = false;
  input.forEach((message, index) => {
    const path = `messages[${index}]`;
    if (message.role !== 'function' && typeof message.name === 'string') {
      warnings.add(`messages[].name is not supported by ${target.provider} and was not sent`);
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        if (conversationStarted) {
          warnings.add(`system messages after the first user or assistant message were moved to ${target.systemPlace}`);
        }
        visitor.system(message.content);
        return;
      case 'user':
        conversationStarted = true;
        visitor.user(message, path);
        return;
      case 'assistant':
        conversationStarted = true;
        visitor.assistant(message, path);
        return;
      case 'tool':
        conversationStarted = true;
        visitor.tool(message, path);
        return;
      case 'function':
        throw new GatewayError('invalid_request', {
          param: `${path}.role`,
          message: `function messages (deprecated) are not supported for ${target.provider} models; use tool messages`,
        });
    }
  });
}

/**
 * Appends a turn, merged into the previous one when it has the same role (two user or two model turns in a row are
 * rejected). Tool results are kept ahead of other content: they answer the previous turn's calls. An empty turn
 * carries nothing and is left out (these APIs reject it).
 */
export function appendTurn<Role extends string, Block>(
  turns: Array<{ role: Role; content: Block[] }>,
  role: Role,
  content: Block[],
  isToolResult: (block: Block) => boolean,
): void {
  if (content.length === 0) return;
  const last = turns.at(-1);
  if (last === undefined || last.role !== role) {
    turns.push({ role, content });
    return;
  }
  const merged = [...last.content, ...content];
  last.content = [...merged.filter(isToolResult), ...merged.filter((block) => !isToolResult(block))];
}

/** A tool call's `arguments` → the JSON object these APIs take as input. */
export function parseToolArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {}; // some clients send '' for a call without arguments
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewayError('invalid_request', {
      param,
      message: `tool call arguments are not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayError('invalid_request', { param, message: 'tool call arguments must be a JSON object' });
  }
  return value as Record<string, unknown>;
}

/**
 * `data:<media type>[;…];base64,<data>` → the media type as written (the caller lowercases it) and the base64 data;
 * null for anything else, including data URLs that are not base64-encoded.
 */
export function parseBase64DataUrl(url: string): { mediaType: string; data: string } | null {
  if (!url.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma === -1) return null;
  const [mediaType = '', ...attributes] = url.slice('data:'.length, comma).split(';');
  if (!attributes.includes('base64')) return null;
  return { mediaType, data: url.slice(comma + 1) };
}

/** A file part's `file_data` (a base64 data URL): these providers cannot resolve OpenAI `file_id`s. */
export function readInlineFileData(file: Record<string, unknown>, param: string, provider: string): string {
  const data = file.file_data;
  if (typeof data !== 'string') {
    throw new GatewayError('invalid_request', {
      param,
      message: `${provider} models accept files only inline, as file_data (a base64 data URL); file_id cannot be resolved`,
    });
  }
  return data;
}

export function warnImageDetail(detail: string | undefined, provider: string, warnings: Set<string>): void {
  if (detail !== undefined && detail !== 'auto') warnings.add(`image_url.detail is not supported by ${provider} and was not sent`);
}

/** The text of a message whose content is a string or text parts. */
export function joinTextParts(content: string | ReadonlyArray<{ text: string }>): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}
