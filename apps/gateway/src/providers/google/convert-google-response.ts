import { randomBytes } from 'node:crypto';
import type { ChatCompletionResponse, FinishReason, NormalizedUsage, ToolCall } from '@arbiter/shared';
import { currentTimestamp } from '../shared/create-chat-chunk.js';
import { createAssistantMessage, createChatCompletion } from '../shared/create-chat-completion.js';
import type { GoogleCandidate, GoogleGenerateContentResponse } from './google-api.js';
import { convertGoogleUsage, hasTokenCounts } from './convert-google-usage.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';

export interface GoogleResponseOptions {
  /** Named as the model when the response carries no `modelVersion`. */
  upstreamModel: string;
  /** Seconds since the epoch, for `created` when the response has no `createTime` (the Gemini API sends none). */
  now?: number;
}

export interface ConvertedGoogleResponse {
  body: ChatCompletionResponse;
  usage: NormalizedUsage | null;
  finishReason: FinishReason | null;
  /** Response content that has no chat-completions form (e.g. generated images) and was left out. */
  warnings: string[];
}

type Choice = ChatCompletionResponse['choices'][number];

/** Google's function calls carry no id (or one the OpenAI format does not need); the client gets one to answer to. */
export function createToolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}

/** `createTime` (Vertex) in seconds since the epoch, or null. */
export function readCreated(createTime: string | null | undefined): number | null {
  const time = createTime == null ? Number.NaN : Date.parse(createTime);
  return Number.isNaN(time) ? null : Math.floor(time / 1000);
}

/**
 * GenerateContentResponse → OpenAI chat completion, one choice per candidate. Thought parts become
 * `reasoning_content`, function calls become `tool_calls`. A blocked prompt (promptFeedback.blockReason, no
 * candidates) and a filtered answer (finishReason SAFETY, MODEL_ARMOR, …) end with `content_filter` and no content.
 */
export function convertGoogleResponse(response: GoogleGenerateContentResponse, options: GoogleResponseOptions): ConvertedGoogleResponse {
  const warnings = new Set<string>();
  const candidates = [...(response.candidates ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const choices = candidates.map((candidate, position) => convertCandidate(candidate, candidate.index ?? position, warnings));
  if (choices.length === 0) {
    // No candidate at all: the prompt was blocked (or, without a blockReason, Google produced nothing).
    const blocked = response.promptFeedback?.blockReason != null;
    choices.push({ index: 0, message: { role: 'assistant', content: null }, finish_reason: blocked ? 'content_filter' : 'stop' });
  }
  const usage = hasTokenCounts(response.usageMetadata) ? convertGoogleUsage(response.usageMetadata) : null;
  const identity = {
    id: response.responseId ?? `chatcmpl-${randomBytes(12).toString('hex')}`,
    created: readCreated(response.createTime) ?? options.now ?? currentTimestamp(),
    model: response.modelVersion ?? options.upstreamModel,
  };
  const body = createChatCompletion(identity, choices, usage);
  return { body, usage, finishReason: choices[0]?.finish_reason ?? null, warnings: [...warnings] };
}

function convertCandidate(candidate: GoogleCandidate, index: number, warnings: Set<string>): Choice {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (typeof part.text === 'string') {
      (part.thought === true ? reasoning : texts).push(part.text);
    } else if (part.functionCall != null) {
      const { name, args } = part.functionCall;
      toolCalls.push({
        id: createToolCallId(),
        type: 'function',
        function: { name: name ?? '', arguments: JSON.stringify(args ?? {}) },
      });
    } else if (part.inlineData != null) {
      warnings.add(`the response held inline data (${part.inlineData.mimeType ?? 'unknown type'}) that has no chat-completions form; it was left out`);
    }
    // Other parts (executableCode, codeExecutionResult, …) come only from tools this gateway never enables.
  }
  const text = texts.join('');
  return {
    index,
    message: createAssistantMessage(text === '' ? null : text, toolCalls, reasoning),
    finish_reason: mapGoogleFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
}
