import { GatewayError, type ChatMessage, type ContentPart } from '@arbiter/shared';
import {
  appendTurn,
  parseBase64DataUrl,
  parseToolArguments,
  readInlineFileData,
  visitChatMessages,
  warnImageDetail,
  type AssistantMessage,
} from '../shared/convert-chat-messages.js';
import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicCacheControl,
  AnthropicSourceParam,
  AnthropicTextBlockParam,
} from './anthropic-api.js';

type TextContent = string | Array<{ type: 'text'; text: string; cache_control?: unknown }>;

export interface ConvertedMessages {
  system: AnthropicTextBlockParam[];
  messages: AnthropicMessageParam[];
  warnings: string[];
}

/**
 * OpenAI messages → Anthropic `system` + `messages`. Anthropic has no system turns, keeps tool results in user turns
 * and wants user and assistant turns to alternate, so system messages are hoisted, tool messages become
 * `tool_result` blocks and consecutive turns of the same role are merged.
 */
export function convertToAnthropicMessages(input: ChatMessage[]): ConvertedMessages {
  const system: AnthropicTextBlockParam[] = [];
  const messages: AnthropicMessageParam[] = [];
  const warnings = new Set<string>();
  const append = (role: 'user' | 'assistant', content: AnthropicContentBlockParam[]): void =>
    appendTurn(messages, role, content, (block) => block.type === 'tool_result');
  visitChatMessages(input, { provider: 'Anthropic', systemPlace: 'the top-level system prompt' }, warnings, {
    system: (content) => system.push(...convertTextContent(content)),
    user: (message, path) => append('user', convertUserContent(message.content, path, warnings)),
    assistant: (message, path) => append('assistant', convertAssistantMessage(message, path)),
    tool: (message) => {
      const content = typeof message.content === 'string' ? message.content : convertTextContent(message.content);
      append('user', [{ type: 'tool_result', tool_use_id: toAnthropicToolId(message.tool_call_id), content }]);
    },
  });
  return { system, messages, warnings: [...warnings] };
}

/**
 * Anthropic rejects empty text blocks, so empty text is left out. A part's `cache_control` (the prompt-caching
 * extension that Anthropic's own OpenAI-compatible endpoint and LiteLLM accept) becomes the block's breakpoint.
 */
function convertTextContent(content: TextContent): AnthropicTextBlockParam[] {
  const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
  const blocks: AnthropicTextBlockParam[] = [];
  for (const part of parts) {
    if (part.text === '') continue;
    const cacheControl = readCacheControl(part.cache_control);
    blocks.push(cacheControl === undefined ? { type: 'text', text: part.text } : { type: 'text', text: part.text, cache_control: cacheControl });
  }
  return blocks;
}

function readCacheControl(value: unknown): AnthropicCacheControl | undefined {
  if (typeof value !== 'object' || value === null || !('type' in value) || value.type !== 'ephemeral') return undefined;
  const ttl = 'ttl' in value && (value.ttl === '5m' || value.ttl === '1h') ? value.ttl : undefined;
  return ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl };
}

function convertUserContent(content: string | ContentPart[], path: string, warnings: Set<string>): AnthropicContentBlockParam[] {
  if (typeof content === 'string') return convertTextContent(content);
  const blocks: AnthropicContentBlockParam[] = [];
  content.forEach((part, index) => {
    const param = `${path}.content[${index}]`;
    switch (part.type) {
      case 'text':
        blocks.push(...convertTextContent([part]));
        return;
      case 'refusal':
        blocks.push(...convertTextContent(part.refusal));
        return;
      case 'image_url':
        warnImageDetail(part.image_url.detail, 'Anthropic', warnings);
        blocks.push(convertFileUrl(part.image_url.url, `${param}.image_url.url`));
        return;
      case 'file':
        blocks.push(convertFileUrl(readInlineFileData(part.file, `${param}.file`, 'Anthropic'), `${param}.file.file_data`));
        return;
      case 'input_audio':
        throw new GatewayError('invalid_request', { param, message: 'Anthropic models do not accept audio input' });
    }
  });
  return blocks;
}

/** Data URLs become base64 sources (PDFs as documents, the rest as images); http(s) URLs are fetched by Anthropic. */
function convertFileUrl(url: string, param: string): AnthropicContentBlockParam {
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  if (!url.startsWith('data:')) {
    throw new GatewayError('invalid_request', { param, message: 'expected an http(s) URL or a base64 data URL' });
  }
  const dataUrl = parseBase64DataUrl(url);
  if (dataUrl === null) {
    throw new GatewayError('invalid_request', { param, message: 'data URLs must be base64-encoded (data:<media type>;base64,<data>)' });
  }
  const { mediaType, data } = dataUrl;
  const source: AnthropicSourceParam = { type: 'base64', media_type: mediaType.toLowerCase(), data };
  if (source.media_type === 'application/pdf') return { type: 'document', source };
  if (source.media_type.startsWith('image/')) return { type: 'image', source };
  throw new GatewayError('invalid_request', {
    param,
    message: `media type ${mediaType || '(none)'} is not supported by Anthropic models (images and application/pdf are)`,
  });
}

function convertAssistantMessage(message: AssistantMessage, path: string): AnthropicContentBlockParam[] {
  const blocks: AnthropicContentBlockParam[] = [];
  // Earlier `reasoning_content` is not sent back: Anthropic accepts thinking only with its signature, which the
  // OpenAI format cannot carry, and it ignores thinking from earlier turns anyway.
  const content = message.content;
  if (typeof content === 'string') {
    blocks.push(...convertTextContent(content));
  } else if (Array.isArray(content)) {
    for (const part of content) blocks.push(...convertTextContent(part.type === 'text' ? part.text : part.refusal));
  }
  message.tool_calls?.forEach((call, index) => {
    blocks.push({
      type: 'tool_use',
      id: toAnthropicToolId(call.id),
      name: call.function.name,
      input: parseToolArguments(call.function.arguments, `${path}.tool_calls[${index}].function.arguments`),
    });
  });
  return blocks;
}

/**
 * Anthropic accepts tool ids of `[a-zA-Z0-9_-]` only; ids made by other providers (a conversation may have started
 * elsewhere) are made to fit. Calls and results go through the same function, so they still match.
 */
export function toAnthropicToolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}
