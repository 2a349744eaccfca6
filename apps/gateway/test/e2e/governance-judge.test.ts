import {
  analyzeBatchResponseSchema,
  conversationDetailSchema,
  governanceHealthSchema,
  governanceLogSchema,
  usageListSchema,
  type AnalyzeBatchResponse,
  type ModelSpec,
} from '@arbiter/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAllProvidersEnvironment, type AllProvidersEnvironment } from '../support/all-providers-environment.js';
import { SCRIPTED_ANSWER, SCRIPTED_USAGE, startScriptedJudgeServer, type ScriptedJudgeServer } from '../support/scripted-judge-server.js';
import { describeDatabase } from '../support/test-database.js';
import { authorization, uniqueProviderId } from '../support/test-gateway.js';

/**
 * LLM-as-judge through the same pipeline as the analysed models. The judge is a scripted OpenAI-compatible server
 * declared in config, so that valid, fenced, malformed-then-valid, always-malformed and too-slow judges are exact.
 */
const JUDGE_TIMEOUT_MS = 800;
const judgePrice = { input_per_1m: 1, output_per_1m: 2 };
const judgeModels = ['judge-score-80', 'judge-score-40', 'judge-retry', 'judge-malformed', 'judge-slow', 'judge-first'];
const gpt4o: ModelSpec = { host_platform: 'openai', model_id: 'gpt-4o' };
const haiku: ModelSpec = { host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-haiku-20240307-v1:0' };
const flash: ModelSpec = { host_platform: 'gcp_vertex', model_id: 'gemini-2.5-flash' };
const query = 'How do I secure my S3 buckets?';

let env: AllProvidersEnvironment;
let judge: ScriptedJudgeServer;
let judgeProvider: string;

beforeAll(async () => {
  judge = await startScriptedJudgeServer({ slowMs: 3000 });
  judgeProvider = uniqueProviderId('judge');
  env = await startAllProvidersEnvironment({
    secrets: { JUDGE_KEY: 'sk-judge' },
    config: {
      providers: { [judgeProvider]: { kind: 'openai-compatible', base_url: judge.url, api_key_env: 'JUDGE_KEY' } },
      models: judgeModels.map((id) => ({ id, provider: judgeProvider, price: judgePrice })),
      routing: { max_attempts: 1 },
      governance: {
        judge: { models: ['judge-score-80'], timeout_ms: JUDGE_TIMEOUT_MS },
        prompts: { pci: { version: 'pci-2026-v3', system: 'You are a PCI DSS assessor.', rubric: 'Criteria: PCI DSS v4 requirements.' } },
      },
    },
  });
});
afterAll(async () => {
  await env?.close();
  await judge?.close();
});

async function analyzeBatch(body: object): Promise<AnalyzeBatchResponse> {
  const response = await fetch(`${env.gateway.url}/api/v1/governance/analyze/batch`, {
    method: 'POST',
    headers: { ...authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return analyzeBatchResponseSchema.parse(await response.json());
}

function judgeCallsFor(model: string, answerFragment: string): ScriptedJudgeServer['requests'] {
  return judge.requests.filter((request) => request.model === model && request.messages.some((message) => message.content.includes(answerFragment)));
}

describe(`LLM-as-judge (${describeDatabase()})`, () => {
  it('grades each answer with the rubric; scores and rationales are stored and visible in history', async () => {
    const batch = await analyzeBatch({ query, governance_context: 'aws', models: [gpt4o, haiku] });
    const judgeCost = (SCRIPTED_USAGE.prompt_tokens * judgePrice.input_per_1m + SCRIPTED_USAGE.completion_tokens * judgePrice.output_per_1m) / 1e6;
    for (const log of batch.results) {
      expect(log.accuracy).toMatchObject({
        score: 0.8,
        rationale: 'Scripted grade by judge-score-80.',
        evaluator_model: 'judge-score-80',
        spread: 0,
        self_judged: false,
        rubric_version: 'aws-2026-11-v1',
      });
      expect(log.accuracy?.judges).toEqual([expect.objectContaining({ evaluator_model: 'judge-score-80', score: 0.8, attempts: 1, error: null })]);
      expect(log.accuracy?.judges[0]?.cost_usd).toBeCloseTo(judgeCost, 12);
      const calls = judgeCallsFor('judge-score-80', log.response_text ?? '-');
      expect(calls).toHaveLength(1);
      expect(calls[0]?.messages[0]?.content).toContain('impartial expert judge');
      expect(calls[0]?.messages[1]?.content).toContain(query);
    }
    expect(batch.summary.evaluation_cost).toBeCloseTo(2 * judgeCost, 12);
    expect(batch.summary.best_scored).toMatchObject({ value: 0.8 });

    const detail = conversationDetailSchema.parse(
      await (await fetch(`${env.gateway.url}/api/v1/history/conversations/${batch.conversation_id}`, { headers: authorization })).json(),
    );
    expect(detail.governance_context).toBe('aws');
    expect(detail.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'assistant']);
    const [question, ...answers] = detail.messages;
    expect(question).toMatchObject({ content: query, telemetry: null });
    for (const answer of answers) {
      expect(answer.parent_id).toBe(question?.id);
      expect(answer.telemetry?.accuracy).toMatchObject({ score: 0.8, rationale: 'Scripted grade by judge-score-80.', evaluator_model: 'judge-score-80' });
      expect(answer.telemetry).toEqual(batch.results.find((log) => log.id === answer.telemetry?.id));
    }

    // One usage record per execution, models and judges alike, under the request's trace id.
    await env.gateway.recorder.flush(true);
    const usage = usageListSchema.parse(await (await fetch(`${env.gateway.url}/api/v1/usage?trace_id=${batch.trace_id}`, { headers: authorization })).json());
    expect(usage.data.map((record) => record.provider).sort()).toEqual(['bedrock', judgeProvider, judgeProvider, 'openai'].sort());
  });

  it('malformed output is shown back to the judge once; the second, valid reply counts', async () => {
    const batch = await analyzeBatch({ query, governance_context: 'aws', models: [gpt4o], judges: ['judge-retry'] });
    const log = batch.results[0];
    expect(log?.accuracy).toMatchObject({ score: 0.7, rationale: 'Valid on the second attempt.', evaluator_model: 'judge-retry' });
    expect(log?.accuracy?.judges[0]?.attempts).toBe(2);
    const calls = judgeCallsFor('judge-retry', log?.response_text ?? '-');
    expect(calls).toHaveLength(2);
    expect(calls[1]?.messages.at(-2)).toMatchObject({ role: 'assistant', content: 'I think this answer deserves a 7 out of 10.' });
    expect(calls[1]?.messages.at(-1)?.content).toMatch(/could not be used .*Reply again with only the JSON object/);
  });

  it('malformed output twice: accuracy is null with the reason, and the analysis still completes', async () => {
    const batch = await analyzeBatch({ query, governance_context: 'aws', models: [gpt4o], judges: ['judge-malformed'] });
    const log = batch.results[0];
    expect(log).toMatchObject({ status: 'COMPLETED', success: true, accuracy: null });
    expect(log?.accuracy_error).toMatch(/judge judge-malformed returned malformed output twice \(not JSON/);
  });

  it('a judge slower than the judge timeout gives no score, and does not hold the analysis', async () => {
    const started = performance.now();
    const batch = await analyzeBatch({ query, governance_context: 'aws', models: [gpt4o, haiku], judges: ['judge-slow'] });
    expect(performance.now() - started).toBeLessThan(JUDGE_TIMEOUT_MS + 1000);
    for (const log of batch.results) {
      expect(log).toMatchObject({ status: 'COMPLETED', accuracy: null });
      expect(log.accuracy_error).toBe(`judge judge-slow: judge judge-slow did not answer within ${JUDGE_TIMEOUT_MS} ms`);
    }
  });

  it('a panel scores the mean of the judges that answered, records the spread and the failed judge', async () => {
    const batch = await analyzeBatch({ query, governance_context: 'aws', models: [haiku], judges: ['judge-score-80', 'judge-score-40', 'judge-malformed'] });
    const accuracy = batch.results[0]?.accuracy;
    expect(accuracy).toMatchObject({ score: 0.6, spread: 0.4, evaluator_model: 'judge-score-80, judge-score-40', self_judged: false });
    expect(accuracy?.rationale).toBe('[judge-score-80] Scripted grade by judge-score-80.\n[judge-score-40] Scripted grade by judge-score-40.');
    expect(accuracy?.judges.map((verdict) => [verdict.evaluator_model, verdict.score])).toEqual([
      ['judge-score-80', 0.8],
      ['judge-score-40', 0.4],
      ['judge-malformed', null],
    ]);
    expect(accuracy?.judges[2]?.error).toMatch(/malformed output twice/);
  });

  it('a model grading its own answer is flagged as self-judged', async () => {
    const self: ModelSpec = { host_platform: judgeProvider, model_id: 'judge-score-80' };
    const batch = await analyzeBatch({ query, governance_context: 'aws', models: [self, gpt4o], judges: ['judge-score-80', 'judge-score-40'] });
    const [own, other] = batch.results;
    expect(own).toMatchObject({ provider: judgeProvider.toUpperCase().replace(/-/g, '_'), response_text: SCRIPTED_ANSWER });
    expect(own?.accuracy?.self_judged).toBe(true);
    expect(own?.accuracy?.judges.map((verdict) => verdict.self_judged)).toEqual([true, false]);
    expect(other?.accuracy?.self_judged).toBe(false);
  });

  it('pairwise: both orders; a judge that prefers a position yields inconsistent, a fair one a winner; stored on the query', async () => {
    const fair = await analyzeBatch({ query, governance_context: 'aws', models: [gpt4o, haiku, flash], evaluate: false, pairwise: true });
    expect(fair.comparisons).toHaveLength(3);
    for (const comparison of fair.comparisons) {
      expect(comparison.orders.map((order) => order.shown_first)).toEqual(['a', 'b']);
      const a = fair.results.find((log) => log.id === comparison.a_id)?.response_text ?? '';
      const b = fair.results.find((log) => log.id === comparison.b_id)?.response_text ?? '';
      expect(comparison.winner).toBe(a.length > b.length ? 'a' : 'b');
    }
    const biased = await analyzeBatch({ query, governance_context: 'aws', models: [gpt4o, haiku], evaluate: false, pairwise: true, judges: ['judge-first'] });
    expect(biased.comparisons).toEqual([expect.objectContaining({ winner: 'inconsistent', evaluator_model: 'judge-first', error: null })]);
    const detail = conversationDetailSchema.parse(
      await (await fetch(`${env.gateway.url}/api/v1/history/conversations/${biased.conversation_id}`, { headers: authorization })).json(),
    );
    expect(detail.messages[0]?.comparisons).toEqual(biased.comparisons);
  });

  it('with a reference answer, BLEU and ROUGE sit next to the judge score', async () => {
    const self: ModelSpec = { host_platform: judgeProvider, model_id: 'judge-score-40' };
    const batch = await analyzeBatch({ query, governance_context: 'aws', models: [self, gpt4o], reference_answer: SCRIPTED_ANSWER });
    expect(batch.results[0]?.metrics).toEqual({ bleu: 1, rouge1: 1, rouge2: 1, rougeL: 1 });
    const other = batch.results[1]?.metrics;
    expect(other?.rouge1).toBeGreaterThan(0);
    expect(other?.rouge1).toBeLessThan(1);
    expect(batch.results[1]?.accuracy?.score).toBe(0.8);
  });

  it('POST /analyze: one model, one GovernanceLog; a custom context uses its own versioned system prompt', async () => {
    const response = await fetch(`${env.gateway.url}/api/v1/governance/analyze`, {
      method: 'POST',
      headers: { ...authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'Is our card vault in scope?', governance_context: 'pci', model: { host_platform: judgeProvider, model_id: 'judge-score-40' } }),
    });
    expect(response.status).toBe(200);
    const log = governanceLogSchema.parse(await response.json());
    expect(log).toMatchObject({ governance_context: 'pci', prompt_version: 'pci-2026-v3', status: 'COMPLETED', input_prompt: 'Is our card vault in scope?' });
    expect(log.accuracy?.rubric_version).toBe('pci-2026-v3');
    const answered = judge.requests.find((request) => request.model === 'judge-score-40' && request.messages.at(-1)?.content === 'Is our card vault in scope?');
    expect(answered?.messages[0]).toEqual({ role: 'system', content: 'You are a PCI DSS assessor.' });
  });

  it('a follow-up in the same conversation reaches each model with its own earlier answer', async () => {
    const self: ModelSpec = { host_platform: judgeProvider, model_id: 'judge-score-40' };
    const first = await analyzeBatch({ query: 'First question?', governance_context: 'aws', models: [self], evaluate: false });
    const second = await analyzeBatch({ query: 'And a follow-up?', models: [self], evaluate: false, conversation_id: first.conversation_id });
    expect(second.conversation_id).toBe(first.conversation_id);
    // No context given: the conversation's (aws), not the default.
    expect(second.results[0]?.governance_context).toBe('aws');
    const followUp = judge.requests.find((request) => request.messages.at(-1)?.content === 'And a follow-up?');
    expect(followUp?.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(followUp?.messages[2]?.content).toBe(SCRIPTED_ANSWER);
  });

  it('GET /health lists the judges, their availability and the prompt templates', async () => {
    const health = governanceHealthSchema.parse(await (await fetch(`${env.gateway.url}/api/v1/governance/health`, { headers: authorization })).json());
    expect(health).toMatchObject({ status: 'ok', database: 'ok', judges: [{ model: 'judge-score-80', available: true, reason: null }], judge_timeout_ms: JUDGE_TIMEOUT_MS });
    expect(health.contexts.map((context) => context.name)).toEqual(['aws', 'gcp', 'azure', 'general', 'pci']);
  });
});
