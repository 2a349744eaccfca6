import { describe, expect, it } from 'vitest';
import { financialAdviceDetector } from './financial-advice.js';

const detect = (text: string) => financialAdviceDetector.detect(text, { threshold: 0.5 });

describe('financial advice detector', () => {
  it('flags recommendations, buy/sell calls, allocations and guaranteed returns', () => {
    for (const text of [
      'You should buy Nvidia stock before the earnings call.',
      'I recommend putting most of your savings into Bitcoin.',
      'Strong buy, price target 250.',
      'Put all of your retirement savings into gold.',
      'This fund offers guaranteed returns of 12% a year.',
      'This coin will definitely 10x by Christmas.',
      'Should I sell my Apple shares now?',
    ]) {
      expect(detect(text).triggered, text).toBe(true);
    }
  });

  it('does not flag education, news or account servicing', () => {
    for (const text of [
      'A stock is a share of ownership in a company.',
      'Past performance does not guarantee future results.',
      'Nvidia shares rose 4% after record data-centre revenue.',
      'How do I transfer shares between two of my accounts?',
      'Define short selling and explain its risks.',
    ]) {
      expect(detect(text).triggered, text).toBe(false);
    }
  });
});
