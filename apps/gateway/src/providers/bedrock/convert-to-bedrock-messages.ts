import { GatewayError, type ChatMessage } from '@arbiter/shared';
import {
  appendTurn,
  joinTextParts,
  parseBase64DataUrl,
  parseToolArguments,
  readInlineFileData,
  visitChatMessages,
  warnImageDetail,
  type AssistantMessage,
} from '../shared/convert-chat-messages.js';
import type {
  BedrockCachePoint,
  BedrockContentBlockParam,
  BedrockDocumentFormat,
  BedrockImageFormat,
  BedrockMessageParam,
  BedrockSystemBlockParam,
} from './bedrock-api.js';

type UserContent = Extract<ChatMessage, { role: 'user' }>['content'];
/** Text parts as the system, tool and assistant messages carry them; any part may carry `cache_control`. */
type TextParts = string | ReadonlyArray<{ type: 'text'; text: string }>;

export interface ConvertedBedrockMessages {
  system: BedrockSystemBlockParam[];
  messages: BedrockMessageParam[];
  warnings: string[];
  /** True when the conversation holds tool calls or results: Bedrock then requires `toolConfig`. */
  usesTools: boolean;
}

const cachePoint: BedrockCachePoint = { cachePoint: { type: 'default' } };

const imageFormats: Record<string, BedrockImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const documentFormats: Record<string, BedrockDocumentFormat> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

/**
 * OpenAI messages → Converse `system` + `messages`. Like Anthropic's API (Claude is most of Bedrock's traffic),
 * Converse has no system turns, keeps tool results in user turns and wants the roles to alternate, so system messages
 * are hoisted, tool messages become `toolResult` blocks and consecutive turns of one role are merged. A part's
 * `cache_control` (the prompt-caching extension Anthropic's and LiteLLM's OpenAI endpoints accept) becomes a
 * `cachePoint` block right after it.
 */
export function convertToBedrockMessages(input: ChatMessage[]): ConvertedBedrockMessages {
  const system: BedrockSystemBlockParam[] = [];
  const messages: BedrockMessageParam[] = [];
  const warnings = new Set<string>();
  let usesTools = false;
  // Claude requires tool results before any other content of a user turn.
  const append = (role: 'user' | 'assistant', content: BedrockContentBlockParam[]): void =>
    appendTurn(messages, role, content, (block) => 'toolResult' in block);
  visitChatMessages(input, { provider: 'Bedrock', systemPlace: 'the top-level system prompt' }, warnings, {
    system: (content) => system.push(...convertTextParts(content)),
    user: (message, path) => append('user', convertUserContent(message.content, path, warnings)),
    assistant: (message, path) => {
      const blocks = convertAssistantMessage(message, path);
      usesTools ||= blocks.some((block) => 'toolUse' in block);
      append('assistant', blocks);
    },
    tool: (message) => {
      usesTools = true;
      const text = joinTextParts(message.content);
      append('user', [{ toolResult: { toolUseId: toBedrockToolId(message.tool_call_id), content: text === '' ? [] : [{ text }] } }]);
    },
  });
  return { system, messages, warnings: [...warnings], usesTools };
}

/** True for an OpenAI content part (or tool) that carries `cache_control: {type: 'ephemeral'}`. */
export function hasCacheControl(part: object): boolean {
  if (!('cache_control' in part)) return false;
  const value = part.cache_control;
  return typeof value === 'object' && value !== null && 'type' in value && value.type === 'ephemeral';
}

/** Converse rejects blank text blocks, so empty text is left out (its cache breakpoint is kept). */
function convertTextParts(content: TextParts): Array<{ text: string } | BedrockCachePoint> {
  const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
  const blocks: Array<{ text: string } | BedrockCachePoint> = [];
  for (const part of parts) {
    if (part.text !== '') blocks.push({ text: part.text });
    if (hasCacheControl(part)) blocks.push(cachePoint);
  }
  return blocks;
}

function convertUserContent(content: UserContent, path: string, warnings: Set<string>): BedrockContentBlockParam[] {
  if (typeof content === 'string') return convertTextParts(content);
  const blocks: BedrockContentBlockParam[] = [];
  content.forEach((part, index) => {
    const param = `${path}.content[${index}]`;
    switch (part.type) {
      case 'text':
        blocks.push(...convertTextParts([part]));
        return;
      case 'refusal':
        if (part.refusal !== '') blocks.push({ text: part.refusal });
        break;
      case 'image_url':
        warnImageDetail(part.image_url.detail, 'Bedrock', warnings);
        blocks.push(convertDataUrl(part.image_url.url, `${param}.image_url.url`, index));
        break;
      case 'file': {
        const data = readInlineFileData(part.file, `${param}.file`, 'Bedrock');
        const filename = typeof part.file.filename === 'string' ? part.file.filename : undefined;
        blocks.push(convertDataUrl(data, `${param}.file.file_data`, index, filename));
        break;
      }
      case 'input_audio':
        throw new GatewayError('invalid_request', { param, message: 'Bedrock models do not accept audio input through Converse' });
    }
    if (hasCacheControl(part)) blocks.push(cachePoint);
  });
  return blocks;
}

/**
 * Converse takes images and documents as bytes only (no URLs it would fetch). Images become image blocks, other
 * supported media types document blocks; a document needs a name, unique in the request.
 */
function convertDataUrl(url: string, param: string, index: number, filename?: string): BedrockContentBlockParam {
  if (/^https?:\/\//i.test(url)) {
    throw new GatewayError('invalid_request', { param, message: 'Bedrock models do not fetch URLs; send the file as a base64 data URL' });
  }
  const dataUrl = parseBase64DataUrl(url);
  if (dataUrl === null) {
    throw new GatewayError('invalid_request', { param, message: 'expected a base64 data URL (data:<media type>;base64,<data>)' });
  }
  const { mediaType, data: bytes } = dataUrl;
  const type = mediaType.toLowerCase();
  const imageFormat = imageFormats[type];
  if (imageFormat !== undefined) return { image: { format: imageFormat, source: { bytes } } };
  const documentFormat = documentFormats[type];
  if (documentFormat !== undefined) {
    return { document: { format: documentFormat, name: toDocumentName(filename, index), source: { bytes } } };
  }
  throw new GatewayError('invalid_request', {
    param,
    message: `media type ${mediaType || '(none)'} is not supported by Bedrock (png, jpeg, gif, webp images; pdf, csv, doc(x), xls(x), html, txt, md documents)`,
  });
}

/**
 * Bedrock allows letters, digits, single spaces, hyphens, parentheses and square brackets in document names, which
 * must be unique within a request: the file name without its extension, or `document <n>` without one.
 */
function toDocumentName(filename: string | undefined, index: number): string {
  const base = (filename ?? '').replace(/\.[^.]*$/, '').replace(/[^a-zA-Z0-9\s\-()[\]]/g, ' ').replace(/\s+/g, ' ').trim();
  return base === '' ? `document ${index + 1}` : base.slice(0, 200);
}

function convertAssistantMessage(message: AssistantMessage, path: string): BedrockContentBlockParam[] {
  const blocks: BedrockContentBlockParam[] = [];
  // Earlier `reasoning_content` is not sent back: Claude accepts reasoning only with its signature, which the OpenAI
  // format cannot carry, and ignores reasoning from earlier turns anyway.
  const content = message.content;
  if (typeof content === 'string') blocks.push(...convertTextParts(content));
  else if (Array.isArray(content)) {
    for (const part of content) blocks.push(...convertTextParts(part.type === 'text' ? [part] : part.refusal));
  }
  message.tool_calls?.forEach((call, index) => {
    blocks.push({
      toolUse: {
        toolUseId: toBedrockToolId(call.id),
        name: call.function.name,
        input: parseToolArguments(call.function.arguments, `${path}.tool_calls[${index}].function.arguments`),
      },
    });
  });
  return blocks;
}

/**
 * Converse accepts tool ids of 1 to 64 characters of `[a-zA-Z0-9_-]`; ids made by other providers (a conversation may
 * have started elsewhere) are made to fit. Calls and results go through the same function, so they still match.
 */
export function toBedrockToolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || '_';
}
