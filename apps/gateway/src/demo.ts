#!/usr/bin/env node
/**
 * `npm run demo`: the gateway with the local provider emulators registered as its OpenAI and Anthropic upstreams,
 * so a new user sees a full round trip without any key. The answers are recorded real responses, replayed.
 */
import { readEnv } from './config/env.js';
import { startAnthropicEmulator } from './emulators/anthropic-emulator.js';
import { startOpenAIEmulator } from './emulators/openai-emulator.js';
import { startGateway } from './server.js';

const EMULATOR_KEY = 'sk-emulator';
const base = readEnv();
const masterKey = base.ARBITER_MASTER_KEY ?? 'sk-arbiter-demo';
const openai = await startOpenAIEmulator({ apiKey: EMULATOR_KEY });
const anthropic = await startAnthropicEmulator({ apiKey: EMULATOR_KEY });
const gateway = await startGateway({
  env: Object.freeze({
    ...base,
    ARBITER_MASTER_KEY: masterKey,
    OPENAI_API_KEY: EMULATOR_KEY,
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: EMULATOR_KEY,
    ANTHROPIC_BASE_URL: anthropic.url,
  }),
  secrets: { OPENAI_API_KEY: EMULATOR_KEY, ANTHROPIC_API_KEY: EMULATOR_KEY },
});

const url = gateway.url;
console.log(`
  Arbiter demo — the upstream providers are EMULATED: answers are recorded real responses, replayed locally.

  Gateway:            ${url}   (database: ${gateway.database.kind})
  OpenAI emulator:    ${openai.url}
  Anthropic emulator: ${anthropic.url}
  API key:            ${masterKey}

  Try:
    curl ${url}/v1/chat/completions -H "Authorization: Bearer ${masterKey}" \\
      -H "Content-Type: application/json" \\
      -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Invent a holiday"}]}'

    curl -N ${url}/v1/chat/completions -H "Authorization: Bearer ${masterKey}" \\
      -H "Content-Type: application/json" \\
      -d '{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Hello"}]}'

    curl ${url}/api/v1/usage?limit=5 -H "Authorization: Bearer ${masterKey}"

  Docs: ${url}/docs      Stop: Ctrl+C
`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void gateway
      .close()
      .then(() => Promise.all([openai.close(), anthropic.close()]))
      .finally(() => process.exit(0));
  });
}
