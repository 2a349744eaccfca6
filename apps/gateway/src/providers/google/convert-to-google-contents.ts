import { GatewayError, type ChatMessage, type ContentPart } from '@arbiter/shared';
import type { GoogleContent, GooglePartParam, GoogleTextPartParam } from './google-api.js';

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;
type TextContent = string | Array<{ type: 'text'; text: string }>;

export interface ConvertedContents {
  systemInstruction: GoogleTextPartParam[];
  contents: GoogleContent[];
  warnings: string[];
}

/**
 * Google's documented stand-in for a thought signature the client could not keep. Gemini 3 rejects a function call
 * of the current turn sent back without its signature; the OpenAI format has no place for the signature (an id
 * holding a kilobyte of base64 would break other providers after a fallback), so replayed calls carry this value.
 */
export const skipThoughtSignature = 'skip_thought_signature_validator';

/** File extensions → MIME types, for `fileData` parts from http(s) and gs:// URLs (Vertex requires the type). */
const mimeTypesByExtension: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  mov: 'video/mov',
  txt: 'text/plain',
};

/**
 * OpenAI messages → Gemini `systemInstruction` + `contents`. System messages are hoisted, assistant turns become
 * `model` turns, tool messages become `functionResponse` parts of a user turn (Google needs the function's name,
 * found through the tool_call id of the earlier assistant message) and consecutive turns of one role are merged,
 * since Gemini wants all responses to one turn's parallel calls in a single turn.
 */
export function convertToGoogleContents(input: ChatMessage[]): ConvertedContents {
  const systemInstruction: GoogleTextPartParam[] = [];
  const contents: GoogleContent[] = [];
  const warnings = new Set<string>();
  const toolNames = new Map<string, string>();
  let conversationStarted = false;

  input.forEach((message, index) => {
    const path = `messages[${index}]`;
    if (message.role !== 'function' && typeof message.name === 'string') {
      warnings.add('messages[].name is not supported by Google and was not sent');
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        if (conversationStarted) {
          warnings.add('system messages after the first user or assistant message were moved to the system instruction');
        }
        systemInstruction.push(...convertTextContent(message.content));
        return;
      case 'user':
        conversationStarted = true;
        appendTurn(contents, 'user', convertUserContent(message.content, path, warnings));
        return;
      case 'assistant':
        conversationStarted = true;
        for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
        appendTurn(contents, 'model', convertAssistantMessage(message, path));
        return;
      case 'tool': {
        conversationStarted = true;
        const name = toolNames.get(message.tool_call_id);
        if (name === undefined) {
          throw new GatewayError('invalid_request', {
            param: `${path}.tool_call_id`,
            message: `no earlier assistant message has a tool call with id ${message.tool_call_id}; Google needs the function name of every tool result`,
          });
        }
        const content = typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('');
        appendTurn(contents, 'user', [{ functionResponse: { name, response: { content } } }]);
        return;
      }
      case 'function':
        throw new GatewayError('invalid_request', {
          param: `${path}.role`,
          message: 'function messages (deprecated) are not supported for Google models; use tool messages',
        });
    }
  });
  if (contents.length === 0) {
    throw new GatewayError('invalid_request', {
      param: 'messages',
      message: 'Google models need at least one user or assistant message besides system messages',
    });
  }
  return { systemInstruction, contents, warnings: [...warnings] };
}

function appendTurn(contents: GoogleContent[], role: 'user' | 'model', parts: GooglePartParam[]): void {
  if (parts.length === 0) return; // Google rejects turns without parts; an empty one carries nothing anyway.
  const last = contents.at(-1);
  if (last === undefined || last.role !== role) {
    contents.push({ role, parts });
    return;
  }
  const merged = [...last.parts, ...parts];
  // Function responses answer the previous model turn's calls; keep them ahead of other user content.
  last.parts = [...merged.filter((part) => 'functionResponse' in part), ...merged.filter((part) => !('functionResponse' in part))];
}

/** Google rejects empty text parts, so empty text is left out. */
function convertTextContent(content: TextContent | string): GoogleTextPartParam[] {
  const parts = typeof content === 'string' ? [{ text: content }] : content;
  return parts.filter((part) => part.text !== '').map((part) => ({ text: part.text }));
}

function convertUserContent(content: string | ContentPart[], path: string, warnings: Set<string>): GooglePartParam[] {
  if (typeof content === 'string') return convertTextContent(content);
  const parts: GooglePartParam[] = [];
  content.forEach((part, index) => {
    const param = `${path}.content[${index}]`;
    switch (part.type) {
      case 'text':
        parts.push(...convertTextContent([part]));
        return;
      case 'refusal':
        parts.push(...convertTextContent(part.refusal));
        return;
      case 'image_url':
        if (part.image_url.detail !== undefined && part.image_url.detail !== 'auto') {
          warnings.add('image_url.detail is not supported by Google and was not sent');
        }
        parts.push(convertFileUrl(part.image_url.url, `${param}.image_url.url`));
        return;
      case 'input_audio': {
        const format = part.input_audio.format.toLowerCase();
        parts.push({ inlineData: { mimeType: format === 'mp3' ? 'audio/mp3' : `audio/${format}`, data: part.input_audio.data } });
        return;
      }
      case 'file': {
        const data = part.file.file_data;
        if (typeof data !== 'string') {
          throw new GatewayError('invalid_request', {
            param: `${param}.file`,
            message: 'Google models accept files only inline, as file_data (a base64 data URL); file_id cannot be resolved',
          });
        }
        parts.push(convertFileUrl(data, `${param}.file.file_data`));
        return;
      }
    }
  });
  return parts;
}

/** Data URLs become `inlineData`; http(s) and gs:// URLs become `fileData`, which Google fetches itself. */
function convertFileUrl(url: string, param: string): GooglePartParam {
  if (/^(https?|gs):\/\//i.test(url)) {
    const mimeType = guessMimeType(url);
    return { fileData: mimeType === undefined ? { fileUri: url } : { mimeType, fileUri: url } };
  }
  if (!url.startsWith('data:')) {
    throw new GatewayError('invalid_request', { param, message: 'expected an http(s) or gs:// URL or a base64 data URL' });
  }
  const comma = url.indexOf(',');
  const [mimeType = '', ...attributes] = url.slice('data:'.length, comma === -1 ? undefined : comma).split(';');
  if (comma === -1 || !attributes.includes('base64') || mimeType === '') {
    throw new GatewayError('invalid_request', { param, message: 'data URLs must be base64-encoded (data:<media type>;base64,<data>)' });
  }
  return { inlineData: { mimeType: mimeType.toLowerCase(), data: url.slice(comma + 1) } };
}

function guessMimeType(url: string): string | undefined {
  const path = url.replace(/[?#].*$/, '');
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : mimeTypesByExtension[extension];
}

/**
 * Earlier `reasoning_content` is not sent back: Google takes thoughts back only as signatures, which the OpenAI
 * format cannot carry. Tool calls get the stand-in signature on the first call of the turn, where Google puts it.
 */
function convertAssistantMessage(message: AssistantMessage, path: string): GooglePartParam[] {
  const parts: GooglePartParam[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    parts.push(...convertTextContent(content));
  } else if (Array.isArray(content)) {
    for (const part of content) parts.push(...convertTextContent(part.type === 'text' ? part.text : part.refusal));
  }
  message.tool_calls?.forEach((call, index) => {
    const args = parseToolArguments(call.function.arguments, `${path}.tool_calls[${index}].function.arguments`);
    const functionCall = { name: call.function.name, args };
    parts.push(index === 0 ? { functionCall, thoughtSignature: skipThoughtSignature } : { functionCall });
  });
  return parts;
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
