import { GatewayError, type ChatMessage, type ContentPart } from '@arbiter/shared';
import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicCacheControl,
  AnthropicSourceParam,
  AnthropicTextBlockParam,
} from './anthropic-api.js';

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;
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
  let conversationStarted = false;

  input.forEach((message, index) => {
    const path = `messages[${index}]`;
    if (message.role !== 'function' && typeof message.name === 'string') {
      warnings.add('messages[].name is not supported by Anthropic and was not sent');
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        if (conversationStarted) {
          warnings.add('system messages after the first user or assistant message were moved to the top-level system prompt');
        }
        system.push(...convertTextContent(message.content));
        return;
      case 'user':
        conversationStarted = true;
        appendTurn(messages, 'user', convertUserContent(message.content, path, warnings));
        return;
      case 'assistant':
        conversationStarted = true;
        appendTurn(messages, 'assistant', convertAssistantMessage(message, path));
        return;
      case 'tool': {
        conversationStarted = true;
        const content = typeof message.content === 'string' ? message.content : convertTextContent(message.content);
        appendTurn(messages, 'user', [{ type: 'tool_result', tool_use_id: toAnthropicToolId(message.tool_call_id), content }]);
        return;
      }
      case 'function':
        throw new GatewayError('invalid_request', {
          param: `${path}.role`,
          message: 'function messages (deprecated) are not supported for Anthropic models; use tool messages',
        });
    }
  });
  return { system, messages, warnings: [...warnings] };
}

/** Merges a turn into the previous one of the same role; Anthropic rejects two user or two assistant turns in a row. */
function appendTurn(messages: AnthropicMessageParam[], role: 'user' | 'assistant', content: AnthropicContentBlockParam[]): void {
  if (content.length === 0) return; // Anthropic rejects empty turns; an empty one carries nothing anyway.
  const last = messages.at(-1);
  if (last === undefined || last.role !== role) {
    messages.push({ role, content });
    return;
  }
  const merged = [...last.content, ...content];
  // In a user turn, tool results must come before any other content.
  last.content = [...merged.filter((block) => block.type === 'tool_result'), ...merged.filter((block) => block.type !== 'tool_result')];
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
        if (part.image_url.detail !== undefined && part.image_url.detail !== 'auto') {
          warnings.add('image_url.detail is not supported by Anthropic and was not sent');
        }
        blocks.push(convertFileUrl(part.image_url.url, `${param}.image_url.url`));
        return;
      case 'file': {
        const data = part.file.file_data;
        if (typeof data !== 'string') {
          throw new GatewayError('invalid_request', {
            param: `${param}.file`,
            message: 'Anthropic models accept files only inline, as file_data (a base64 data URL); file_id cannot be resolved',
          });
        }
        blocks.push(convertFileUrl(data, `${param}.file.file_data`));
        return;
      }
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
  const comma = url.indexOf(',');
  const [mediaType = '', ...attributes] = url.slice('data:'.length, comma === -1 ? undefined : comma).split(';');
  if (comma === -1 || !attributes.includes('base64')) {
    throw new GatewayError('invalid_request', { param, message: 'data URLs must be base64-encoded (data:<media type>;base64,<data>)' });
  }
  const source: AnthropicSourceParam = { type: 'base64', media_type: mediaType.toLowerCase(), data: url.slice(comma + 1) };
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

function parseToolArguments(text: string, param: string): Record<string, unknown> {
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
 * Anthropic accepts tool ids of `[a-zA-Z0-9_-]` only; ids made by other providers (a conversation may have started
 * elsewhere) are made to fit. Calls and results go through the same function, so they still match.
 */
export function toAnthropicToolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}
