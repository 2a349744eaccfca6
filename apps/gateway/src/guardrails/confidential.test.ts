import { describe, expect, it } from 'vitest';
import { checkPatternSafety, confidentialDetector, confidentialParamsSchema } from './confidential.js';

const params = confidentialParamsSchema.parse({ terms: ['Project Falcon'], patterns: ['\\bDOC-\\d{4}-\\d{5}\\b'] });
const found = (text: string): string[] => confidentialDetector.detect(text, params).findings.map((finding) => text.slice(finding.start, finding.end));

describe('confidential detector', () => {
  it('finds tenant terms, tenant patterns and classification markers', () => {
    expect(found('Summarise the project falcon memo')).toEqual(['project falcon']);
    expect(found('Rewrite DOC-2024-00317 in plain English')).toEqual(['DOC-2024-00317']);
    expect(found('STRICTLY CONFIDENTIAL - do not forward')).toEqual(['STRICTLY CONFIDENTIAL']);
    expect(found('Classification: Restricted')).toEqual(['Classification: Restricted']);
  });

  it('ignores the same words in prose', () => {
    expect(found('Is my data kept confidential?')).toEqual([]);
    expect(found('Restricted stock units vest over four years.')).toEqual([]);
    expect(found('The falcon is the fastest animal.')).toEqual([]);
  });

  it('rejects tenant patterns that can backtrack catastrophically', () => {
    expect(checkPatternSafety('(a+)+$')).toBeDefined();
    expect(checkPatternSafety('(\\d+\\s?)*x')).toBeDefined();
    expect(checkPatternSafety('(a)\\1')).toBeDefined();
    expect(checkPatternSafety('\\bDOC-\\d{4}-\\d{5}\\b')).toBeUndefined();
    expect(() => confidentialParamsSchema.parse({ patterns: ['(x+x+)+y'] })).toThrow();
  });
});
