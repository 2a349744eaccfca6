/**
 * Extracts the price catalog (apps/gateway/data/pricing/*.json) from LiteLLM's public price map.
 * Run: npx tsx apps/gateway/scripts/extract-prices.ts ../shared/fixtures/pricing/model_prices_and_context_window.json
 * Prices are converted from USD per token to USD per 1M tokens by shifting the decimal point of the number's own
 * text, so no binary rounding creeps in (1.5e-7 per token becomes exactly 0.15 per 1M).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const sourcePath = process.argv[2];
if (sourcePath === undefined) throw new Error('usage: extract-prices.ts <model_prices_and_context_window.json>');
const raw = readFileSync(sourcePath);
const data = JSON.parse(raw.toString('utf8')) as Record<string, Record<string, unknown>>;

/** Which LiteLLM providers feed which of our providers. Bare names only (no region or reseller prefixes). */
const providers: Record<string, { litellm: string[]; include: (key: string) => boolean; rename?: (key: string) => string }> = {
  openai: { litellm: ['openai'], include: (key) => !key.includes('/') && !key.startsWith('ft:') },
  anthropic: { litellm: ['anthropic'], include: (key) => !key.includes('/') },
  // Bedrock model ids and cross-region inference profiles (us., eu., apac., global.); region-pinned keys left out.
  bedrock: { litellm: ['bedrock', 'bedrock_converse'], include: (key) => !key.includes('/') },
  // Vertex AI's Gemini models under their bare names.
  vertex: { litellm: ['vertex_ai-language-models', 'vertex_ai-embedding-models'], include: (key) => !key.includes('/') },
  // The Gemini API (Google AI Studio) prices, keyed `gemini/<model>` in the source.
  gemini: { litellm: ['gemini'], include: (key) => /^gemini\/[^/]+$/.test(key), rename: (key) => key.slice('gemini/'.length) },
  // Azure OpenAI (global standard deployments), keyed `azure/<model>` in the source.
  azure: { litellm: ['azure'], include: (key) => /^azure\/[^/]+$/.test(key), rename: (key) => key.slice('azure/'.length) },
};

function per1m(value: unknown): number | undefined {
  if (typeof value !== 'number') return undefined;
  const [mantissa = '0', exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText) + 6;
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const pointAt = 1 + exponent;
  let text: string;
  if (pointAt <= 0) text = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) text = digits + '0'.repeat(pointAt - digits.length);
  else text = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return Number((negative ? '-' : '') + text);
}

function flag(entry: Record<string, unknown>, name: string): boolean {
  return entry[name] === true;
}

for (const [provider, { litellm, include, rename }] of Object.entries(providers)) {
  const models: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(data).sort(([a], [b]) => a.localeCompare(b))) {
    if (!litellm.includes(String(entry.litellm_provider)) || !include(key)) continue;
    // Gemini image models answer through generateContent like chat models (text and image parts, token-priced).
    const chatLike = entry.mode === 'chat' || entry.mode === 'responses' || (entry.mode === 'image_generation' && key.includes('gemini'));
    if (!chatLike && entry.mode !== 'embedding') continue;
    const input = per1m(entry.input_cost_per_token);
    const output = per1m(entry.output_cost_per_token) ?? (entry.mode === 'embedding' ? 0 : undefined);
    if (input === undefined || output === undefined) continue;
    const above200k = per1m(entry.input_cost_per_token_above_200k_tokens);
    models[rename === undefined ? key : rename(key)] = {
      mode: entry.mode === 'embedding' ? 'embedding' : 'chat',
      price: {
        input_per_1m: input,
        output_per_1m: output,
        cached_input_per_1m: per1m(entry.cache_read_input_token_cost),
        cache_write_per_1m: per1m(entry.cache_creation_input_token_cost),
      },
      price_above_200k:
        above200k === undefined
          ? undefined
          : {
              input_per_1m: above200k,
              output_per_1m: per1m(entry.output_cost_per_token_above_200k_tokens) ?? output,
              cached_input_per_1m: per1m(entry.cache_read_input_token_cost_above_200k_tokens),
              cache_write_per_1m: per1m(entry.cache_creation_input_token_cost_above_200k_tokens),
            },
      context_window: typeof entry.max_input_tokens === 'number' ? entry.max_input_tokens : undefined,
      max_output_tokens: typeof entry.max_output_tokens === 'number' ? entry.max_output_tokens : undefined,
      capabilities: {
        tools: flag(entry, 'supports_function_calling'),
        vision: flag(entry, 'supports_vision'),
        json_schema: flag(entry, 'supports_response_schema'),
        reasoning: flag(entry, 'supports_reasoning'),
        prompt_caching: flag(entry, 'supports_prompt_caching'),
      },
    };
  }
  const catalog = {
    source: {
      name: "LiteLLM model_prices_and_context_window.json (BerriAI/litellm, MIT)",
      commit: '03ecdf9284c3f1135482c92dc8a07c7e17ff6d80',
      commit_date: '2026-02-20',
      sha256: createHash('sha256').update(raw).digest('hex'),
      units: 'USD per 1M tokens',
    },
    models,
  };
  writeFileSync(new URL(`../data/pricing/${provider}.json`, import.meta.url), `${JSON.stringify(catalog, null, 2)}\n`);
  console.log(`${provider}: ${Object.keys(models).length} models`);
}
