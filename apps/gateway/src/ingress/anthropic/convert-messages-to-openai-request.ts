import { GatewayError, type ChatCompletionRequest, type ChatMessage, type ContentPart, type ToolCall } from '@arbiter/shared';
import {
  customToolSchema,
  knownContentBlockTypes,
  knownToolResultContentTypes,
  type ContentBlock,
  type CountTokensRequest,
  type DocumentBlock,
  type ImageBlock,
  type KnownContentBlock,
  type KnownToolResultContent,
  type MessageParam,
  type TextBlock,
  type ToolChoice,
  type ToolResultContent,
} from './anthropic-messages-api.js';

export interface ConvertedMessagesRequest {
  request: ChatCompletionRequest;
  warnings: string[];
}

type ReasoningEffort = NonNullable<ChatCompletionRequest['reasoning_effort']>;
type TextPart = { type: 'text'; text: string; cache_control?: unknown };
type UserPart = ContentPart & { cache_control?: unknown };

/** Every request field this converter reads; any other field the client set is reported as not sent. */
const handledFields = new Set([
  'model', 'messages', 'system', 'max_tokens', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k', 'tools',
  'tool_choice', 'thinking', 'output_config', 'metadata', 'service_tier',
]);

const knownBlockTypes: ReadonlySet<string> = new Set(knownContentBlockTypes);
const knownResultTypes: ReadonlySet<string> = new Set(knownToolResultContentTypes);

/**
 * Anthropic Messages request → OpenAI chat-completions request, for upstreams that are not Anthropic. What has no
 * equivalent is named in a warning (never dropped silently); what cannot be converted faithfully (server tools,
 * Files API ids, document URLs) is a 400 that says so.
 */
export function convertMessagesToOpenAIRequest(input: CountTokensRequest): ConvertedMessagesRequest {
  const warnings = new Set<string>();
  const messages: ChatMessage[] = [];
  if (input.system !== undefined) messages.push({ role: 'system', content: convertSystemContent(input.system, warnings) });
  input.messages.forEach((message, index) => messages.push(...convertMessage(message, `messages[${index}]`, warnings)));

  const request: ChatCompletionRequest = { model: input.model, messages };
  if (input.max_tokens !== undefined) request.max_tokens = input.max_tokens;
  if (input.stream === true) request.stream = true;
  if (input.temperature !== undefined) request.temperature = input.temperature;
  if (input.top_p !== undefined) request.top_p = input.top_p;
  // OpenAI rejects unknown parameters, so top_k is not passed on as an extra field.
  if (input.top_k !== undefined) warnings.add('top_k has no OpenAI-format equivalent and was not sent');
  if (input.stop_sequences !== undefined && input.stop_sequences.length > 0) request.stop = input.stop_sequences;
  if (input.metadata?.user_id != null) request.user = input.metadata.user_id;
  applyTools(input, request, warnings);
  applyReasoning(input, request, warnings);
  const format = input.output_config?.format;
  if (format != null) request.response_format = { type: 'json_schema', json_schema: { name: 'response', schema: format.schema } };
  if (input.service_tier !== undefined && input.service_tier !== 'auto') warnings.add(`service_tier ${input.service_tier} is an Anthropic setting and was not sent`);
  for (const [field, value] of Object.entries(input)) {
    if (!handledFields.has(field) && value != null) warnings.add(`${field} has no equivalent outside Anthropic and was not sent`);
  }
  return { request, warnings: [...warnings] };
}

function convertMessage(message: MessageParam, path: string, warnings: Set<string>): ChatMessage[] {
  if (message.role === 'system') return [{ role: 'system', content: convertSystemContent(message.content, warnings) }];
  if (typeof message.content === 'string') return [{ role: message.role, content: message.content }];
  const blocks = message.content.map((block, index) => assertKnown(block, `${path}.content[${index}]`));
  return message.role === 'user' ? convertUserBlocks(blocks, path, warnings) : [convertAssistantBlocks(blocks, path, warnings)];
}

/** Tool results become `tool` messages, which OpenAI wants right after the assistant's tool calls; the rest follows. */
function convertUserBlocks(blocks: KnownContentBlock[], path: string, warnings: Set<string>): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: UserPart[] = [];
  blocks.forEach((block, index) => {
    const where = `${path}.content[${index}]`;
    switch (block.type) {
      case 'text':
        parts.push(convertText(block, warnings));
        return;
      case 'image':
        parts.push(convertImage(block, where));
        return;
      case 'document':
        parts.push(...convertDocument(block, where, warnings));
        return;
      case 'tool_result': {
        const result = convertToolResult(block.content, `${where}.content`, warnings);
        if (block.is_error === true) warnings.add('tool_result.is_error has no OpenAI-format equivalent: the error was sent as plain tool output');
        toolMessages.push({ role: 'tool', tool_call_id: block.tool_use_id, content: result.text });
        if (result.media.length > 0) {
          warnings.add('images and documents in tool results were sent in a user message after the tool results (OpenAI-format tool results hold text only)');
          parts.push(...result.media);
        }
        return;
      }
      case 'tool_use':
      case 'thinking':
      case 'redacted_thinking':
        throw invalid(`${where}.type`, `${block.type} blocks belong in assistant messages`);
    }
  });
  if (parts.length === 0) return toolMessages;
  const only = parts[0];
  const content = parts.length === 1 && only?.type === 'text' && only.cache_control === undefined ? only.text : parts;
  return [...toolMessages, { role: 'user', content }];
}

function convertAssistantBlocks(blocks: KnownContentBlock[], path: string, warnings: Set<string>): ChatMessage {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  blocks.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        texts.push(block.text);
        return;
      case 'thinking':
        reasoning.push(block.thinking);
        return;
      case 'redacted_thinking':
        warnings.add('redacted_thinking blocks are encrypted for Anthropic models only and were not sent');
        return;
      case 'tool_use':
        toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
        return;
      case 'image':
      case 'document':
      case 'tool_result':
        throw invalid(`${path}.content[${index}].type`, `${block.type} blocks belong in user messages`);
    }
  });
  return {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('') } : {}),
  };
}

function convertSystemContent(content: string | TextBlock[], warnings: Set<string>): string | TextPart[] {
  if (typeof content === 'string') return content;
  const parts = content.map((block) => convertText(block, warnings));
  const only = parts[0];
  return parts.length === 1 && only !== undefined && only.cache_control === undefined ? only.text : parts;
}

/** The prompt-cache breakpoint stays on the part (our chat-format extension); providers that cache honour it. */
function convertText(block: TextBlock, warnings: Set<string>): TextPart {
  if (block.citations != null && block.citations.length > 0) warnings.add('citations on input text blocks have no OpenAI-format equivalent and were not sent');
  return block.cache_control == null ? { type: 'text', text: block.text } : { type: 'text', text: block.text, cache_control: block.cache_control };
}

function convertImage(block: ImageBlock, path: string): UserPart {
  const source = block.source;
  switch (source.type) {
    case 'base64':
      return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
    case 'url':
      return { type: 'image_url', image_url: { url: source.url } };
    case 'file':
      throw invalid(`${path}.source`, 'file_id sources refer to Anthropic\'s Files API and can only be sent to Anthropic models');
  }
}

function convertDocument(block: DocumentBlock, path: string, warnings: Set<string>): UserPart[] {
  const source = block.source;
  if (block.citations != null) warnings.add('document citations are an Anthropic feature and were not requested');
  const heading = [block.title, block.context].filter((text): text is string => typeof text === 'string' && text !== '').join('\n');
  const withHeading = (text: string): UserPart => ({ type: 'text', text: heading === '' ? text : `${heading}\n\n${text}` });
  switch (source.type) {
    case 'base64':
      return [{ type: 'file', file: { filename: block.title ?? 'document.pdf', file_data: `data:${source.media_type};base64,${source.data}` } }];
    case 'text':
      return [withHeading(source.data)];
    case 'content': {
      if (typeof source.content === 'string') return [withHeading(source.content)];
      const result = convertToolResult(source.content, `${path}.source.content`, warnings);
      return [withHeading(result.text), ...result.media];
    }
    case 'url':
    case 'file':
      throw invalid(`${path}.source`, `${source.type} document sources can only be sent to Anthropic models; send the document as base64 or text`);
  }
}

/** Text of a tool result (or a document's content blocks), and the images/documents that cannot stay in it. */
function convertToolResult(content: string | ToolResultContent[] | undefined, path: string, warnings: Set<string>): { text: string; media: UserPart[] } {
  if (content === undefined) return { text: '', media: [] };
  if (typeof content === 'string') return { text: content, media: [] };
  const texts: string[] = [];
  const media: UserPart[] = [];
  content.forEach((block, index) => {
    const where = `${path}[${index}]`;
    if (!isKnownResultContent(block)) throw invalid(`${where}.type`, `${block.type} blocks can only be sent to Anthropic models`);
    switch (block.type) {
      case 'text':
        texts.push(block.text);
        return;
      case 'image':
        media.push(convertImage(block, where));
        return;
      case 'document':
        media.push(...convertDocument(block, where, warnings));
        return;
    }
  });
  return { text: texts.join('\n'), media };
}

function applyTools(input: CountTokensRequest, request: ChatCompletionRequest, warnings: Set<string>): void {
  const tools = (input.tools ?? []).map((tool, index) => {
    const custom = customToolSchema.safeParse(tool);
    if (!custom.success) {
      throw invalid(`tools[${index}]`, `the server tool ${tool.type ?? tool.name ?? ''} runs on Anthropic's servers and is only available with Anthropic models`);
    }
    const { name, description, input_schema: parameters, cache_control: cacheControl } = custom.data;
    if (cacheControl != null) warnings.add('cache_control on tools was not sent: tool cache breakpoints exist only at Anthropic');
    return { type: 'function' as const, function: { name, ...(description === undefined ? {} : { description }), parameters } };
  });
  const choice = input.tool_choice;
  if (tools.length === 0) {
    // Without tools, "auto" and "none" mean the same as no choice; a forced tool cannot be honoured.
    if (choice !== undefined && (choice.type === 'any' || choice.type === 'tool')) throw invalid('tool_choice', `tool_choice ${choice.type} needs tools`);
    return;
  }
  request.tools = tools;
  if (choice === undefined) return;
  request.tool_choice = convertToolChoice(choice);
  if (choice.type !== 'none' && choice.disable_parallel_tool_use === true) request.parallel_tool_calls = false;
}

function convertToolChoice(choice: ToolChoice): NonNullable<ChatCompletionRequest['tool_choice']> {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}

/** Anthropic gives thinking a token budget or an effort level; the OpenAI format has only `reasoning_effort`. */
function applyReasoning(input: CountTokensRequest, request: ChatCompletionRequest, warnings: Set<string>): void {
  const effort = input.output_config?.effort;
  if (effort != null) {
    request.reasoning_effort = mapEffort(effort, warnings);
    return;
  }
  const thinking = input.thinking;
  if (thinking?.type !== 'enabled' || !('budget_tokens' in thinking) || typeof thinking.budget_tokens !== 'number') return;
  request.reasoning_effort = mapThinkingBudget(thinking.budget_tokens);
  warnings.add(`thinking.budget_tokens ${thinking.budget_tokens} was sent as reasoning_effort ${request.reasoning_effort}: this provider takes an effort level, not a token budget`);
}

/**
 * The inverse of the Anthropic adapter's effort → budget table (low 1024, medium 4096, high 16384). Larger budgets
 * stay `high`: `xhigh` is refused by most models.
 */
export function mapThinkingBudget(budget: number): ReasoningEffort {
  if (budget < 4096) return 'low';
  if (budget < 16384) return 'medium';
  return 'high';
}

function mapEffort(effort: string, warnings: Set<string>): ReasoningEffort {
  switch (effort) {
    case 'low':
    case 'medium':
    case 'high':
    case 'xhigh':
      return effort;
    default:
      warnings.add(`output_config.effort ${effort} has no OpenAI-format equivalent; reasoning_effort high was sent`);
      return 'high';
  }
}

function assertKnown(block: ContentBlock, path: string): KnownContentBlock {
  if (isKnownBlock(block)) return block;
  throw invalid(`${path}.type`, `${block.type} blocks can only be sent to Anthropic models`);
}

/** The schema lets a block of a known type through only when it is valid as that type. */
function isKnownBlock(block: ContentBlock): block is KnownContentBlock {
  return knownBlockTypes.has(block.type);
}

function isKnownResultContent(block: ToolResultContent): block is KnownToolResultContent {
  return knownResultTypes.has(block.type);
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message: `${param}: ${message}` });
}
