import nlp from 'compromise';
import { z } from 'zod';
import type { Finding } from '../detector.js';
import { findContext } from '../text/context.js';
import type { PiiEntityType, Recognizer } from './recognizer.js';

const offsetsSchema = z.array(z.object({ offset: z.object({ start: z.number(), length: z.number() }) }));

const personContext = {
  positive: /\b(?:mr|mrs|ms|miss|dr|prof|sir|madam|name|named|called|customer|client|patient|employee|signed|dear|hi|hello)\b/,
};

/**
 * People, places and organisations from compromise's rule-based tagger. It is the only well-kept NLP library for
 * JavaScript that runs without a model download, but it is slow (milliseconds per kilobyte) and its recall on the
 * Presidio synthetic set is modest (see docs/guardrails.md), so these entity types are opt-in in a policy.
 */
export const namesRecognizer: Recognizer = {
  types: ['PERSON', 'LOCATION', 'ORGANIZATION'],
  // Names are written with capitals in the texts compromise can tag.
  mayMatch: (text) => /[A-Z][a-z]/.test(text),
  recognize(text) {
    const document = nlp(text);
    const findings: Finding[] = [];
    const add = (type: PiiEntityType, offsets: unknown, base: number): void => {
      for (const { offset } of offsetsSchema.parse(offsets)) {
        let start = offset.start;
        let end = offset.start + offset.length;
        while (end > start && /[\s.,;:!?'")\]]/.test(text[end - 1] ?? '')) end--;
        while (start < end && /[\s'"([]/.test(text[start] ?? '')) start++;
        if (end - start < 2) continue;
        const score = type === 'PERSON' && findContext(text, start, end, personContext).positive ? base + 0.25 : base;
        findings.push({ type, start, end, score });
      }
    };
    add('PERSON', document.people().out('offset'), 0.6);
    add('LOCATION', document.places().out('offset'), 0.55);
    add('ORGANIZATION', document.organizations().out('offset'), 0.55);
    return findings;
  },
};
