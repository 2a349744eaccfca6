import type { PairwiseComparison } from '@arbiter/shared';
import { askForJson, type JudgeEnvironment } from './judge.js';
import { parsePreference } from './parse-judge-output.js';
import { buildPairwiseInstructions, type ResolvedTemplate } from './prompt-templates.js';

export interface ComparedAnswer {
  id: string;
  /** `host_platform:model_id`. */
  model: string;
  text: string;
}

type Order = PairwiseComparison['orders'][number];

/**
 * Head-to-head comparison in both orders (A then B, B then A), so that a judge's preference for a position cannot
 * pass for a preference for an answer: when the two orders disagree the winner is `inconsistent`.
 */
export async function compareAnswers(
  environment: JudgeEnvironment,
  judge: string,
  template: ResolvedTemplate,
  query: string,
  a: ComparedAnswer,
  b: ComparedAnswer,
): Promise<{ comparison: PairwiseComparison; costUsd: number }> {
  const [first, second] = await Promise.all([
    askInOrder(environment, judge, template, query, a, b, 'a'),
    askInOrder(environment, judge, template, query, b, a, 'b'),
  ]);
  const orders = [first.order, second.order];
  const failed = orders.filter((order) => order.error !== null);
  return {
    comparison: {
      a_id: a.id,
      b_id: b.id,
      a_model: a.model,
      b_model: b.model,
      evaluator_model: judge,
      winner: failed.length > 0 ? null : decideWinner(first.order.preferred, second.order.preferred),
      orders,
      error: failed.length === 0 ? null : failed.map((order) => order.error).join('; '),
    },
    costUsd: first.costUsd + second.costUsd,
  };
}

/** Both orders agree: that answer (or a tie); they disagree: position bias, no winner. */
export function decideWinner(first: Order['preferred'], second: Order['preferred']): PairwiseComparison['winner'] {
  if (first === null || second === null) return null;
  return first === second ? first : 'inconsistent';
}

async function askInOrder(
  environment: JudgeEnvironment,
  judge: string,
  template: ResolvedTemplate,
  query: string,
  shownFirst: ComparedAnswer,
  shownSecond: ComparedAnswer,
  firstLabel: 'a' | 'b',
): Promise<{ order: Order; costUsd: number }> {
  const secondLabel = firstLabel === 'a' ? 'b' : 'a';
  const answer = await askForJson(
    environment,
    judge,
    [
      { role: 'system', content: buildPairwiseInstructions(template) },
      {
        role: 'user',
        content: `Question:\n<question>\n${query}\n</question>\n\nAnswer A:\n<answer_a>\n${shownFirst.text}\n</answer_a>\n\nAnswer B:\n<answer_b>\n${shownSecond.text}\n</answer_b>`,
      },
    ],
    parsePreference,
    '{"preferred": "A" | "B" | "tie", "rationale": "<text>"}',
  );
  const preferred = answer.value === null ? null : answer.value.preferred === 'tie' ? 'tie' : answer.value.preferred === 'A' ? firstLabel : secondLabel;
  return {
    order: { shown_first: firstLabel, preferred, rationale: answer.value?.rationale ?? null, error: answer.error },
    costUsd: answer.costUsd ?? 0,
  };
}
