import type { AnalyzeBatchResponse, GovernanceLog } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { formatCsv, formatTable } from './format-results.js';
import { ProgressDisplay } from './progress-display.js';

function log(model: string, success: boolean, extra: Partial<GovernanceLog> = {}): GovernanceLog {
  const [host, id] = model.split(/:(.*)/s) as [string, string];
  return {
    id: `id-${model}`,
    trace_id: 't',
    conversation_id: 'c',
    provider: 'OPENAI',
    host_platform: host,
    model_id: id,
    governance_context: 'aws',
    prompt_version: 'v',
    started_at: '2026-01-01T00:00:00.000Z',
    ended_at: '2026-01-01T00:00:01.000Z',
    usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15, latency_ms: success ? 812 : 500 },
    cost: success ? { input_cost: 0.001, output_cost: 0.002, total_cost: 0.003 } : null,
    accuracy: success ? { score: 0.8, rationale: 'r', evaluator_model: 'j', spread: 0, self_judged: false, rubric_version: 'v', judges: [] } : null,
    accuracy_error: success ? null : 'not evaluated: the model did not answer',
    metrics: null,
    status: success ? 'COMPLETED' : 'FAILED',
    success,
    error_code: success ? null : 'upstream_timeout',
    error_message: success ? null : 'openai:gpt-4o did not answer within 500 ms, "really"',
    input_prompt: 'q',
    response_text: success ? 'a' : null,
    ...extra,
  };
}

const response: AnalyzeBatchResponse = {
  conversation_id: 'c',
  trace_id: 't',
  results: [log('aws_bedrock:anthropic.claude-3-sonnet-20240229-v1:0', true), log('openai:gpt-4o', false)],
  summary: {
    fastest: { id: 'x', host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-sonnet-20240229-v1:0', value: 812 },
    cheapest: null,
    best_scored: null,
    total_cost: 0.003,
    evaluation_cost: 0,
    completed: 1,
    failed: 1,
    wall_time_ms: 815,
  },
  comparisons: [],
};

describe('formatTable', () => {
  it('aligns model, status, latency, tokens, cost, score and lists failures', () => {
    const lines = formatTable(response).split('\n');
    expect(lines[0]).toBe('MODEL                                                STATUS     LATENCY  TOKENS       COST  SCORE');
    expect(lines[2]).toBe('aws_bedrock:anthropic.claude-3-sonnet-20240229-v1:0  COMPLETED   812 ms      15  $0.003000   0.80');
    expect(lines[3]).toBe('openai:gpt-4o                                        FAILED      500 ms      15          -      -');
    expect(lines).toContain('  openai:gpt-4o: upstream_timeout: openai:gpt-4o did not answer within 500 ms, "really"');
    expect(lines).toContain('Completed 1, failed 1 in 815 ms. Total cost $0.003000 (evaluation $0.000000).');
  });
});

describe('formatCsv', () => {
  it('quotes what needs quoting', () => {
    const rows = formatCsv(response).split('\r\n');
    expect(rows[2]).toBe('openai:gpt-4o,OPENAI,FAILED,500,10,5,15,,,,"openai:gpt-4o did not answer within 500 ms, ""really"""');
  });
});

describe('ProgressDisplay', () => {
  it('on a terminal: a spinner line per model, redrawn in place with ANSI, a check mark when done', () => {
    const writes: string[] = [];
    const display = new ProgressDisplay({ isTTY: true, write: (text: string) => writes.push(text) }, [
      { host_platform: 'openai', model_id: 'gpt-4o' },
      { host_platform: 'openai', model_id: 'gpt-4o' },
    ]);
    display.start('c');
    display.finish(log('openai:gpt-4o', true));
    display.stop();
    const shown = writes.map((text) => text.replaceAll('\x1b', '<ESC>'));
    expect(shown[0]).toMatch(/^<ESC>\[2K\r⠋ openai:gpt-4o {2}running 0\.\ds\n<ESC>\[2K\r⠋ openai:gpt-4o/);
    // Redraws move up over the two lines; the first of the two identical models is the one that finished.
    expect(shown[1]).toMatch(/^<ESC>\[2A<ESC>\[2K\r<ESC>\[32m✔<ESC>\[0m openai:gpt-4o COMPLETED \(812 ms, 15 tokens, \$0\.003000, score 0\.80\)\n<ESC>\[2K\r⠙ openai:gpt-4o {2}running/);
  });

  it('elsewhere: plain lines, no ANSI', () => {
    const writes: string[] = [];
    const display = new ProgressDisplay({ write: (text: string) => writes.push(text) }, [{ host_platform: 'openai', model_id: 'gpt-4o' }]);
    display.start('conv-1');
    display.finish(log('openai:gpt-4o', false));
    display.stop();
    expect(writes).toEqual([
      'Analysing with 1 models (conversation conv-1)\n',
      '[1/1] openai:gpt-4o FAILED (500 ms, upstream_timeout: openai:gpt-4o did not answer within 500 ms, "really")\n',
    ]);
  });
});
