import type { JudgeVerdict } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { aggregateVerdicts } from './judge.js';
import { decideWinner } from './pairwise.js';

function verdict(model: string, score: number | null, selfJudged = false): JudgeVerdict {
  return {
    evaluator_model: model,
    score,
    rationale: score === null ? null : `${model} says ${score}`,
    error: score === null ? `judge ${model} timed out` : null,
    self_judged: selfJudged,
    attempts: 1,
    latency_ms: 10,
    cost_usd: null,
  };
}

describe('aggregateVerdicts', () => {
  it('one judge: its score and rationale, no spread', () => {
    expect(aggregateVerdicts([verdict('a', 0.7)], 'aws-v1').accuracy).toMatchObject({ score: 0.7, rationale: 'a says 0.7', evaluator_model: 'a', spread: 0, rubric_version: 'aws-v1' });
  });

  it('a panel: mean of the judges that scored, max − min spread, self-judging flagged, failures kept', () => {
    const { accuracy, error } = aggregateVerdicts([verdict('a', 0.9, true), verdict('b', 0.3), verdict('c', null)], 'v');
    expect(error).toBeNull();
    expect(accuracy).toMatchObject({ score: 0.6, spread: 0.6, evaluator_model: 'a, b', self_judged: true });
    expect(accuracy?.rationale).toBe('[a] a says 0.9\n[b] b says 0.3');
    expect(accuracy?.judges).toHaveLength(3);
  });

  it('no judge scored: no accuracy, every reason', () => {
    expect(aggregateVerdicts([verdict('a', null), verdict('b', null)], 'v')).toEqual({ accuracy: null, error: 'judge a timed out; judge b timed out' });
  });
});

describe('decideWinner (pairwise, both orders)', () => {
  it('agreement wins, disagreement is position bias', () => {
    expect(decideWinner('a', 'a')).toBe('a');
    expect(decideWinner('tie', 'tie')).toBe('tie');
    expect(decideWinner('a', 'b')).toBe('inconsistent');
    expect(decideWinner('a', null)).toBeNull();
  });
});
