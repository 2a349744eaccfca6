import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { analyzeBatchResponseSchema, conversationDetailSchema } from '@arbiter/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAllProvidersEnvironment, type AllProvidersEnvironment } from '../support/all-providers-environment.js';
import { startScriptedJudgeServer, type ScriptedJudgeServer } from '../support/scripted-judge-server.js';
import { describeDatabase } from '../support/test-database.js';
import { authorization, MASTER_KEY, uniqueProviderId } from '../support/test-gateway.js';

/** `arbiter analyze` as a user runs it: a separate process against the gateway, through the streaming batch endpoint. */
const cliPath = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
// tsx maps @arbiter/shared to its sources, as vitest does, so the CLI runs without a prior build.
const tsconfigPath = fileURLToPath(new URL('../../tsconfig.check.json', import.meta.url));
const seedModels = 'aws_bedrock:anthropic.claude-3-sonnet-20240229-v1:0,openai:gpt-4o,gcp_vertex:gemini-2.5-pro';
const query = 'How do I secure my S3 buckets?';

let env: AllProvidersEnvironment;
let judge: ScriptedJudgeServer;

beforeAll(async () => {
  judge = await startScriptedJudgeServer();
  const judgeProvider = uniqueProviderId('judge');
  env = await startAllProvidersEnvironment({
    secrets: { JUDGE_KEY: 'sk-judge' },
    config: {
      providers: { [judgeProvider]: { kind: 'openai-compatible', base_url: judge.url, api_key_env: 'JUDGE_KEY' } },
      models: [{ id: 'judge-score-80', provider: judgeProvider, price: { input_per_1m: 1, output_per_1m: 2 } }],
      governance: { judge: { models: ['judge-score-80'] } },
    },
  });
});
afterAll(async () => {
  await env?.close();
  await judge?.close();
});

function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], {
      env: { PATH: process.env.PATH, TSX_TSCONFIG_PATH: tsconfigPath, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe(`arbiter analyze against a running gateway (${describeDatabase()})`, () => {
  it('--json: the whole run as JSON on stdout, plain progress per model on stderr', async () => {
    const { code, stdout, stderr } = await runCli(['analyze', query, '--context', 'aws', '--models', seedModels, '--url', env.gateway.url, '--key', MASTER_KEY, '--json']);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const response = analyzeBatchResponseSchema.parse(JSON.parse(stdout));
    expect(response.results.map((log) => `${log.host_platform}:${log.model_id}`)).toEqual(seedModels.split(','));
    expect(response.results.map((log) => log.provider)).toEqual(['AWS', 'OPENAI', 'GOOGLE']);
    for (const log of response.results) expect(log).toMatchObject({ status: 'COMPLETED', governance_context: 'aws', accuracy: { score: 0.8 } });
    // Not a terminal: one plain line when the run starts and one per model as it finishes, no ANSI.
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe(`Analysing with 3 models (conversation ${response.conversation_id})`);
    expect(lines.slice(1).map((line) => line.slice(0, 6))).toEqual(['[1/3] ', '[2/3] ', '[3/3] ']);
    for (const model of seedModels.split(',')) expect(stderr).toContain(`${model} COMPLETED (`);
    expect(stderr).not.toContain('\x1b[');
    const history = await fetch(`${env.gateway.url}/api/v1/history/conversations/${response.conversation_id}`, { headers: authorization });
    expect(conversationDetailSchema.parse(await history.json()).messages).toHaveLength(4);
  });

  it('plain output: a table of model, status, latency, tokens, cost and score; URL and key from the environment', async () => {
    const { code, stdout, stderr } = await runCli(['analyze', query, '-c', 'aws', '-m', seedModels], { ARBITER_URL: env.gateway.url, ARBITER_API_KEY: MASTER_KEY });
    expect(code).toBe(0);
    expect(stderr).toMatch(/^\[3\/3\] /m);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^MODEL\s+STATUS\s+LATENCY\s+TOKENS\s+COST\s+SCORE$/);
    for (const model of seedModels.split(',')) {
      const row = lines.find((line) => line.startsWith(`${model} `));
      expect(row, model).toMatch(/ COMPLETED\s+\d+ ms\s+\d+\s+\$\d+\.\d{6}\s+0\.80$/);
    }
    expect(stdout).toMatch(/^Completed 3, failed 0 in \d+ ms\. Total cost \$\d+\.\d{6}/m);
    expect(stdout).toMatch(/^Fastest: .+\. Cheapest: .+\. Best scored: .+ \(0\.80\)\.$/m);
  });

  it('--csv: one row per model, and a failed model is reported in its row', async () => {
    env.emulators.openai.setFault({ kind: 'status', status: 400 });
    try {
      const { code, stdout } = await runCli(['analyze', query, '--models', seedModels, '--url', env.gateway.url, '--key', MASTER_KEY, '--csv', '--no-evaluate']);
      expect(code).toBe(0);
      const rows = stdout.trim().split('\r\n');
      expect(rows[0]).toBe('model,provider,status,latency_ms,input_tokens,output_tokens,total_tokens,cost_usd,score,evaluator_model,error');
      expect(rows).toHaveLength(4);
      expect(rows[1]).toMatch(/^aws_bedrock:anthropic\.claude-3-sonnet-20240229-v1:0,AWS,COMPLETED,\d+,7,30,37,[\d.e-]+,,,$/);
      expect(rows[2]).toMatch(/^openai:gpt-4o,OPENAI,FAILED,\d+,0,0,0,,,,.*openai: /);
    } finally {
      env.emulators.openai.setFault(null);
    }
  });

  it('a refused request exits 1 with the gateway message; a usage error exits 2', async () => {
    const refused = await runCli(['analyze', query, '--models', seedModels, '--url', env.gateway.url, '--key', 'sk-wrong']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The API key is not valid. (invalid_api_key)');
    const usage = await runCli(['analyze', query, '--models', 'gpt-4o']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("'gpt-4o' is not host_platform:model_id");
  });
});
