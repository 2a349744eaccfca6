import { describe, expect, it } from 'vitest';
import type { GooglePartialArg } from './google-api.js';
import { PartialArgumentsWriter, parseJsonPath } from './google-partial-arguments.js';

function write(pieces: GooglePartialArg[][]): { text: string; fragments: string[] } {
  const writer = new PartialArgumentsWriter();
  const fragments = pieces.map((batch) => writer.append(batch));
  fragments.push(writer.finish());
  return { text: fragments.join(''), fragments };
}

describe('PartialArgumentsWriter', () => {
  it('writes scalars of every kind, escaped strings and nested arrays as valid JSON', () => {
    const { text, fragments } = write([
      [{ jsonPath: '$.query', stringValue: 'say "hi"\n', willContinue: true }],
      [{ jsonPath: '$.query', stringValue: ' – ok' }],
      [{ jsonPath: '$.limit', numberValue: 5 }, { jsonPath: '$.exact', boolValue: false }],
      [{ jsonPath: '$.cursor', nullValue: 'NULL_VALUE' }],
      [{ jsonPath: '$.filters[0].tags[0]', stringValue: 'a' }, { jsonPath: '$.filters[0].tags[1]', stringValue: 'b' }],
      [{ jsonPath: '$.filters[1].tags[0]', stringValue: 'c' }],
      [{ jsonPath: "$['odd.key']", numberValue: 1.5 }],
    ]);
    expect(JSON.parse(text)).toEqual({
      query: 'say "hi"\n – ok',
      limit: 5,
      exact: false,
      cursor: null,
      filters: [{ tags: ['a', 'b'] }, { tags: ['c'] }],
      'odd.key': 1.5,
    });
    expect(fragments[0]).toBe('{"query":"say \\"hi\\"\\n');
  });

  it('closes arguments that never got a piece as {}', () => {
    expect(write([]).text).toBe('{}');
    expect(write([[{ jsonPath: '$.x' }]]).text).toBe('{}');
  });

  it('refuses pieces that cannot be written in arrival order', () => {
    const failures: GooglePartialArg[][] = [
      [{ jsonPath: '$.a.x', numberValue: 1 }, { jsonPath: '$.b', numberValue: 2 }, { jsonPath: '$.a.y', numberValue: 3 }],
      [{ jsonPath: '$.list[1]', numberValue: 1 }],
      [{ jsonPath: '$.x', numberValue: 1 }, { jsonPath: '$.x', numberValue: 2 }],
      [{ jsonPath: 'x', numberValue: 1 }],
    ];
    for (const pieces of failures) {
      expect(() => new PartialArgumentsWriter().append(pieces)).toThrow(/partialArgs/);
    }
  });

  it('parses JSON paths', () => {
    expect(parseJsonPath('$.recipe.ingredients[0].name')).toEqual(['recipe', 'ingredients', 0, 'name']);
    expect(parseJsonPath('$["a b"][2]')).toEqual(['a b', 2]);
    expect(() => parseJsonPath('$.a..b')).toThrow();
  });
});
