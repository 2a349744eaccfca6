import type { GovernanceLog } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { summarizeBatch } from './batch-summary.js';

function log(id: string, latency: number, cost: number | null, score: number | null, success = true): GovernanceLog {
  return {
    id,
    trace_id: 't',
    conversation_id: 'c',
    provider: 'OPENAI',
    host_platform: 'openai',
    model_id: id,
    governance_context: 'aws',
    prompt_version: 'v1',
    started_at: '2026-01-01T00:00:00.000Z',
    ended_at: '2026-01-01T00:00:01.000Z',
    usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2, latency_ms: latency },
    cost: cost === null ? null : { input_cost: 0, output_cost: cost, total_cost: cost },
    accuracy: score === null ? null : { score, rationale: 'r', evaluator_model: 'j', spread: 0, self_judged: false, rubric_version: 'v1', judges: [] },
    accuracy_error: null,
    metrics: null,
    status: success ? 'COMPLETED' : 'FAILED',
    success,
    error_code: null,
    error_message: null,
    input_prompt: 'q',
    response_text: success ? 'a' : null,
  };
}

describe('summarizeBatch', () => {
  it('picks fastest, cheapest and best scored among completed models, and sums costs', () => {
    const summary = summarizeBatch([log('a', 300, 0.002, 0.5), log('b', 100, null, 0.9), log('c', 50, 0.0001, null, false), log('d', 200, 0.001, 0.9)], 0.0005, 320.4);
    expect(summary).toEqual({
      fastest: { id: 'b', host_platform: 'openai', model_id: 'b', value: 100 },
      cheapest: { id: 'd', host_platform: 'openai', model_id: 'd', value: 0.001 },
      best_scored: { id: 'b', host_platform: 'openai', model_id: 'b', value: 0.9 },
      total_cost: 0.0031,
      evaluation_cost: 0.0005,
      completed: 3,
      failed: 1,
      wall_time_ms: 320,
    });
  });

  it('has no picks when nothing completed', () => {
    expect(summarizeBatch([log('a', 1, null, null, false)], 0, 1)).toMatchObject({ fastest: null, cheapest: null, best_scored: null, completed: 0, failed: 1 });
  });
});
