import type { ChatCompletionResponse, FinishReason, NormalizedUsage, ToolCall } from '@arbiter/shared';
import type { ChunkDelta, ChunkIdentity } from './create-chat-chunk.js';
import { createAssistantMessage, createChatCompletion } from './create-chat-completion.js';
import type { ChatStreamPart } from './provider-adapter.js';

/**
 * Claude's tool-use blocks, as Anthropic's Messages API and Bedrock's Converse API both send them, in OpenAI form.
 * In `json_schema` mode the request converters add a forced "answer" tool (as the Vercel AI SDK does): its input is
 * the answer, so it becomes the content, and text around it is left out so that the content parses as JSON.
 */

/** The forced answer tool ends the turn with `tool_use`; for the client that answer is a normal stop. */
function resolveToolUseFinishReason(
  stopReason: string | null | undefined,
  answered: boolean,
  calledTools: boolean,
  mapFinishReason: (stopReason: string | null | undefined) => FinishReason | null,
): FinishReason | null {
  if (stopReason === 'tool_use' && answered && !calledTools) return 'stop';
  return mapFinishReason(stopReason);
}

/** The content of a whole (not streamed) message, collected block by block. */
export class ToolUseContent {
  readonly texts: string[] = [];
  readonly reasoning: string[] = [];
  readonly toolCalls: ToolCall[] = [];
  /** The answer tool's input (the first call of it), as JSON text. */
  private answer: string | null = null;

  constructor(private readonly responseToolName: string | null) {}

  addToolUse(id: string, name: string, input: unknown): void {
    const serialized = JSON.stringify(input ?? {});
    if (name === this.responseToolName) this.answer ??= serialized;
    else this.toolCalls.push({ id, type: 'function', function: { name, arguments: serialized } });
  }

  /** The OpenAI chat completion with one choice: the joined text, or in json_schema mode the answer, as content. */
  createCompletion(
    identity: ChunkIdentity,
    stopReason: string | null | undefined,
    mapFinishReason: (stopReason: string | null | undefined) => FinishReason | null,
    usage: NormalizedUsage,
  ): { body: ChatCompletionResponse; finishReason: FinishReason | null } {
    const text = this.texts.length > 0 ? this.texts.join('') : null;
    const content = this.responseToolName === null ? text : this.answer;
    const finishReason = resolveToolUseFinishReason(stopReason, this.answer !== null, this.toolCalls.length > 0, mapFinishReason);
    const message = createAssistantMessage(content, this.toolCalls, this.reasoning);
    return { body: createChatCompletion(identity, [{ index: 0, message, finish_reason: finishReason }], usage), finishReason };
  }
}

/** A tool-use block being streamed: a client tool call (with its OpenAI index) or the json_schema answer. */
type StreamedBlock = { kind: 'tool'; index: number; argumentsSent: boolean } | { kind: 'answer'; argumentsSent: boolean };

/** The tool-use blocks of a streamed message, by block index: block events in, chunk deltas out. */
export class ToolUseBlockStream {
  private answered = false;
  private toolCount = 0;
  private readonly blocks = new Map<number, StreamedBlock>();

  constructor(
    private readonly responseToolName: string | null,
    private readonly chunk: (delta: ChunkDelta) => ChatStreamPart,
  ) {}

  get calledTools(): boolean {
    return this.toolCount > 0;
  }

  start(index: number, id: string, name: string): ChatStreamPart[] {
    if (name === this.responseToolName && !this.answered) {
      this.answered = true;
      this.blocks.set(index, { kind: 'answer', argumentsSent: false });
      return [];
    }
    this.blocks.set(index, { kind: 'tool', index: this.toolCount, argumentsSent: false });
    const call = { index: this.toolCount++, id, type: 'function' as const, function: { name, arguments: '' } };
    return [this.chunk({ tool_calls: [call] })];
  }

  /** A fragment of a block's input JSON. */
  appendArguments(index: number, fragment: string, block = this.blocks.get(index)): ChatStreamPart[] {
    if (block === undefined || fragment === '') return [];
    block.argumentsSent = true;
    if (block.kind === 'answer') return [this.chunk({ content: fragment })];
    return [this.chunk({ tool_calls: [{ index: block.index, function: { arguments: fragment } }] })];
  }

  /** A tool call without arguments must still end with valid JSON, as in the non-streamed response. */
  stop(index: number): ChatStreamPart[] {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    return block !== undefined && !block.argumentsSent ? this.appendArguments(index, '{}', block) : [];
  }

  /** In json_schema mode the content is the answer tool's JSON; text around it would make it unparseable. */
  text(text: string): ChatStreamPart[] {
    if (text === '' || this.responseToolName !== null) return [];
    return [this.chunk({ content: text })];
  }

  resolveFinishReason(
    stopReason: string | null | undefined,
    mapFinishReason: (stopReason: string | null | undefined) => FinishReason | null,
  ): FinishReason | null {
    return resolveToolUseFinishReason(stopReason, this.answered, this.calledTools, mapFinishReason);
  }
}
