import type { GooglePartialArg } from './google-api.js';

type Segment = string | number;

/** An open JSON container of the arguments text: the root object, a nested object or an array. */
interface Frame {
  segment: Segment | null;
  isArray: boolean;
  /** Members written so far (for commas, and the next array index). */
  count: number;
}

/**
 * Turns a function call's streamed `partialArgs` (Vertex `streamFunctionCallArguments`: one value at a JSON path per
 * piece, strings possibly split over several pieces) into JSON text, written as it arrives so that the pieces can go
 * to the client as OpenAI `arguments` fragments. Concatenated, the fragments are the arguments object.
 *
 * Google generates the arguments in document order, so the text is written in that order: a piece that goes back into
 * a container already closed, skips an array index or repeats a finished value cannot be written and throws.
 */
export class PartialArgumentsWriter {
  private readonly frames: Frame[] = [];
  private readonly written = new Set<string>();
  /** The path of a string value whose closing quote is still to come. */
  private openString: string | null = null;

  /** Returns the JSON text these pieces add. */
  append(pieces: readonly GooglePartialArg[]): string {
    let text = '';
    for (const piece of pieces) text += this.appendPiece(piece);
    return text;
  }

  /** Returns the text that closes the arguments (`{}` when no piece arrived). */
  finish(): string {
    let text = this.closeString();
    if (this.frames.length === 0) return '{}';
    while (this.frames.length > 0) text += this.closeFrame();
    return text;
  }

  private appendPiece(piece: GooglePartialArg): string {
    const value = resolveValue(piece);
    if (this.openString !== null && piece.jsonPath === this.openString && typeof value === 'string') {
      const text = escapeString(value);
      return piece.willContinue === true ? text : text + this.closeString();
    }
    let text = this.closeString();
    if (value === undefined) return text;
    const segments = parseJsonPath(piece.jsonPath);
    const leaf = segments.at(-1);
    if (leaf === undefined) throw new Error(`partialArgs path ${piece.jsonPath} names no value`);
    if (this.frames.length === 0) {
      this.frames.push({ segment: null, isArray: false, count: 0 });
      text += '{';
    }
    const container = segments.slice(0, -1);
    text += this.navigateTo(container, leaf);
    const path = pathKey(segments);
    if (this.written.has(path)) throw new Error(`partialArgs path ${piece.jsonPath} arrived twice`);
    this.written.add(path);
    text += this.writeMember(leaf);
    if (typeof value === 'string' && piece.willContinue === true) {
      this.openString = piece.jsonPath;
      return text + JSON.stringify(value).slice(0, -1);
    }
    return text + JSON.stringify(value);
  }

  /** Closes the open containers that are not on the way to `container`, then opens the missing ones. */
  private navigateTo(container: Segment[], leaf: Segment): string {
    let common = 0;
    while (common < container.length && common + 1 < this.frames.length && this.frames[common + 1]?.segment === container[common]) {
      common += 1;
    }
    let text = '';
    while (this.frames.length > common + 1) text += this.closeFrame();
    for (let depth = common; depth < container.length; depth += 1) {
      const segment = container[depth] as Segment;
      const path = pathKey(container.slice(0, depth + 1));
      if (this.written.has(path)) throw new Error(`partialArgs went back into ${path} after it was closed`);
      this.written.add(path);
      text += this.writeMember(segment);
      const next = depth + 1 < container.length ? container[depth + 1] : leaf;
      const isArray = typeof next === 'number';
      this.frames.push({ segment, isArray, count: 0 });
      text += isArray ? '[' : '{';
    }
    return text;
  }

  /** The comma and key (or, in an array, the index check) before a member of the innermost container. */
  private writeMember(segment: Segment): string {
    const frame = this.frames.at(-1) as Frame;
    if (frame.isArray !== (typeof segment === 'number')) throw new Error(`partialArgs mixes array and object members at ${String(segment)}`);
    if (typeof segment === 'number' && segment !== frame.count) throw new Error(`partialArgs skipped to array index ${segment}`);
    const comma = frame.count > 0 ? ',' : '';
    frame.count += 1;
    return typeof segment === 'number' ? comma : `${comma}${JSON.stringify(segment)}:`;
  }

  private closeFrame(): string {
    const frame = this.frames.pop() as Frame;
    return frame.isArray ? ']' : '}';
  }

  private closeString(): string {
    if (this.openString === null) return '';
    this.openString = null;
    return '"';
  }
}

function resolveValue(piece: GooglePartialArg): string | number | boolean | null | undefined {
  if (piece.stringValue != null) return piece.stringValue;
  if (piece.numberValue != null) return piece.numberValue;
  if (piece.boolValue != null) return piece.boolValue;
  if ('nullValue' in piece) return null;
  return undefined;
}

function escapeString(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function pathKey(segments: readonly Segment[]): string {
  return JSON.stringify(segments);
}

/** `$.recipe.ingredients[0].name` → `['recipe', 'ingredients', 0, 'name']`; also `$['a.b']` and `$["a"]`. */
export function parseJsonPath(path: string): Segment[] {
  if (!path.startsWith('$')) throw new Error(`partialArgs path ${path} does not start with $`);
  const segments: Segment[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (match === null) throw new Error(`partialArgs path ${path} cannot be read`);
    const [, name, index, single, double] = match;
    segments.push(index === undefined ? (name ?? single ?? double ?? '') : Number(index));
  }
  return segments;
}
