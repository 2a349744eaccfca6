import { GatewayError, type ChatMessage, type ContentPart } from '@arbiter/shared';
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
import type { GoogleContent, GooglePartParam, GoogleTextPartParam } from './google-api.js';

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
  const turns: Array<{ role: GoogleContent['role']; content: GooglePartParam[] }> = [];
  const warnings = new Set<string>();
  const toolNames = new Map<string, string>();
  // Function responses answer the previous model turn's calls; they stay ahead of other user content.
  const append = (role: GoogleContent['role'], parts: GooglePartParam[]): void =>
    appendTurn(turns, role, parts, (part) => 'functionResponse' in part);
  visitChatMessages(input, { provider: 'Google', systemPlace: 'the system instruction' }, warnings, {
    system: (content) => systemInstruction.push(...convertTextContent(content)),
    user: (message, path) => append('user', convertUserContent(message.content, path, warnings)),
    assistant: (message, path) => {
      for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
      append('model', convertAssistantMessage(message, path));
    },
    tool: (message, path) => {
      const name = toolNames.get(message.tool_call_id);
      if (name === undefined) {
        throw new GatewayError('invalid_request', {
          param: `${path}.tool_call_id`,
          message: `no earlier assistant message has a tool call with id ${message.tool_call_id}; Google needs the function name of every tool result`,
        });
      }
      append('user', [{ functionResponse: { name, response: { content: joinTextParts(message.content) } } }]);
    },
  });
  if (turns.length === 0) {
    throw new GatewayError('invalid_request', {
      param: 'messages',
      message: 'Google models need at least one user or assistant message besides system messages',
    });
  }
  const contents = turns.map(({ role, content }): GoogleContent => ({ role, parts: content }));
  return { systemInstruction, contents, warnings: [...warnings] };
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
        warnImageDetail(part.image_url.detail, 'Google', warnings);
        parts.push(convertFileUrl(part.image_url.url, `${param}.image_url.url`));
        return;
      case 'input_audio': {
        const format = part.input_audio.format.toLowerCase();
        parts.push({ inlineData: { mimeType: format === 'mp3' ? 'audio/mp3' : `audio/${format}`, data: part.input_audio.data } });
        return;
      }
      case 'file':
        parts.push(convertFileUrl(readInlineFileData(part.file, `${param}.file`, 'Google'), `${param}.file.file_data`));
        return;
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
  const dataUrl = parseBase64DataUrl(url);
  if (dataUrl === null || dataUrl.mediaType === '') {
    throw new GatewayError('invalid_request', { param, message: 'data URLs must be base64-encoded (data:<media type>;base64,<data>)' });
  }
  return { inlineData: { mimeType: dataUrl.mediaType.toLowerCase(), data: dataUrl.data } };
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
