import { describe, expect, it } from 'vitest';
import { matchLexicon } from './text/profanity-lexicon.js';
import { toxicityDetector } from './toxicity.js';

const detect = (text: string, profanity = true) => toxicityDetector.detect(text, { threshold: 0.5, profanity });

describe('toxicity detector', () => {
  it('flags slurs, insults aimed at a person, threats and dehumanising statements', () => {
    expect(detect('shut up you stupid idiot').triggered).toBe(true);
    expect(detect("I'm going to find you and hurt you").triggered).toBe(true);
    expect(detect('Immigrants are vermin and should be deported.').triggered).toBe(true);
    expect(detect('go kill yourself').triggered).toBe(true);
  });

  it('sees through leetspeak and look-alike letters', () => {
    expect(detect('you are a b1tch').triggered).toBe(true);
    expect(detect('what a sh1tty day').triggered).toBe(true);
  });

  it('widens matches to the whole word for redaction', () => {
    const text = 'this is fucking ridiculous';
    const [match] = matchLexicon(text);
    expect(match === undefined ? '' : text.slice(match.start, match.end)).toBe('fucking');
  });

  it('avoids the Scunthorpe problem and everyday homonyms', () => {
    for (const text of [
      'The class will assess the assets of Scunthorpe and Essex.',
      'How do I kill a Python process?',
      'What is the best way to shoot a goal in football?',
      'Sex education is part of the curriculum.',
      'Charles Dickens wrote Great Expectations; Emily Cummings reviewed it.',
    ]) {
      expect(detect(text).triggered, text).toBe(false);
    }
  });

  it('can leave undirected profanity alone', () => {
    expect(detect('well shit, the train is late').triggered).toBe(true);
    expect(detect('well shit, the train is late', false).triggered).toBe(false);
  });
});
