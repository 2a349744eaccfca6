import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseCsvRecords } from './csv.js';

/** Loaders for the labelled sets in apps/gateway/fixtures/guardrails; every file is parsed with its schema. */
const read = (root: string, ...path: string[]): string => readFileSync(join(root, ...path), 'utf8');
const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as unknown);

const presidioSchema = z.array(
  z.object({
    full_text: z.string(),
    spans: z.array(z.object({ entity_type: z.string(), entity_value: z.string(), start_position: z.number(), end_position: z.number() })),
  }),
);
export type PresidioSample = z.infer<typeof presidioSchema>[number];
export const loadPresidio = (root: string): PresidioSample[] =>
  presidioSchema.parse(JSON.parse(read(root, 'presidio-synth-pii', 'synth_dataset_v2.json')));

export interface XstestPrompt {
  prompt: string;
  type: string;
  label: 'safe' | 'unsafe';
}
export const loadXstest = (root: string): XstestPrompt[] =>
  parseCsvRecords(read(root, 'xstest', 'xstest_prompts.csv')).map((row) => ({
    prompt: row.prompt ?? '',
    type: row.type ?? '',
    label: row.label === 'unsafe' ? 'unsafe' : 'safe',
  }));

export interface GiskardPrompt {
  prompt: string;
  group: string;
}
export const loadGiskard = (root: string): GiskardPrompt[] =>
  parseCsvRecords(read(root, 'giskard-prompt-injections', 'prompt_injections.csv')).map((row) => ({
    prompt: row.prompt ?? '',
    group: row.group ?? '',
  }));

export const loadInTheWild = (root: string): string[] =>
  z.array(z.string()).parse(JSON.parse(read(root, 'jailbreak-llms-inthewild', 'inthewild_jailbreak_llms.json')));

const jbbSchema = z.object({
  jailbreaks: z.array(z.object({ goal: z.string(), prompt: z.string().nullable(), category: z.string() })),
});
export interface JbbPrompt {
  method: string;
  prompt: string;
  goal: string;
}
export function loadJailbreakBench(root: string): JbbPrompt[] {
  const base = join(root, 'jailbreakbench-artifacts', 'attack-artifacts');
  const prompts: JbbPrompt[] = [];
  for (const method of readdirSync(base)) {
    for (const kind of readdirSync(join(base, method))) {
      if (!statSync(join(base, method, kind)).isDirectory()) continue;
      for (const file of readdirSync(join(base, method, kind))) {
        const artifact = jbbSchema.parse(JSON.parse(readFileSync(join(base, method, kind, file), 'utf8')));
        for (const jailbreak of artifact.jailbreaks) {
          if (jailbreak.prompt !== null) prompts.push({ method, prompt: jailbreak.prompt, goal: jailbreak.goal });
        }
      }
    }
  }
  return prompts;
}

const lakeraSchema = z.record(z.string(), z.object({ label: z.boolean(), text_preview: z.string() }));
export interface LakeraPrompt {
  category: string;
  label: boolean;
  text: string;
}
export function loadLakera(root: string): LakeraPrompt[] {
  const base = join(root, 'lakera-gandalf-attack-categories');
  return readdirSync(base)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      Object.values(lakeraSchema.parse(parseYaml(readFileSync(join(base, file), 'utf8')))).map((entry) => ({
        category: file.replace('.yaml', ''),
        label: entry.label,
        // Previews are cut at ~100 characters and end with an ellipsis.
        text: entry.text_preview.replace(/…$/, ''),
      })),
    );
}

const bipiaAttackSchema = z.record(z.string(), z.array(z.string()));
const bipiaContextSchema = z.object({ context: z.union([z.string(), z.array(z.string())]), question: z.string().optional() });
export interface BipiaAttack {
  kind: 'text' | 'code';
  category: string;
  attack: string;
}
export interface BipiaContext {
  kind: 'email' | 'table' | 'code';
  context: string;
  question: string | undefined;
}
export function loadBipia(root: string): { attacks: BipiaAttack[]; contexts: BipiaContext[] } {
  const base = join(root, 'bipia', 'benchmark');
  const attacks: BipiaAttack[] = [];
  for (const kind of ['text', 'code'] as const) {
    for (const split of ['train', 'test']) {
      const data = bipiaAttackSchema.parse(JSON.parse(readFileSync(join(base, `${kind}_attack_${split}.json`), 'utf8')));
      for (const [category, list] of Object.entries(data)) for (const attack of list) attacks.push({ kind, category, attack });
    }
  }
  const contexts: BipiaContext[] = [];
  for (const kind of ['email', 'table', 'code'] as const) {
    for (const split of ['train', 'test']) {
      for (const line of jsonLines(readFileSync(join(base, kind, `${split}.jsonl`), 'utf8'))) {
        const row = bipiaContextSchema.parse(line);
        contexts.push({ kind, context: Array.isArray(row.context) ? row.context.join('\n') : row.context, question: row.question });
      }
    }
  }
  return { attacks, contexts };
}

const doNotAnswerSchema = z.object({ prompt: z.string(), intents: z.array(z.string()) });
export type DoNotAnswerPrompt = z.infer<typeof doNotAnswerSchema> & { file: string };
export function loadDoNotAnswer(root: string): DoNotAnswerPrompt[] {
  const base = join(root, 'do-not-answer');
  return readdirSync(base)
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) => jsonLines(readFileSync(join(base, file), 'utf8')).map((line) => ({ ...doNotAnswerSchema.parse(line), file })));
}

const moderationSchema = z.object({ prompt: z.string() }).catchall(z.number());
export interface ModerationSample {
  prompt: string;
  labels: Record<string, number>;
}
export function loadModeration(root: string): ModerationSample[] {
  const text = gunzipSync(readFileSync(join(root, 'openai-moderation', 'samples-1680.jsonl.gz'))).toString('utf8');
  return jsonLines(text).map((line) => {
    const { prompt, ...labels } = moderationSchema.parse(line);
    return { prompt, labels };
  });
}

export interface DavidsonTweet {
  tweet: string;
  /** 0 hate speech, 1 offensive language, 2 neither. */
  label: 0 | 1 | 2;
}
export const loadDavidson = (root: string): DavidsonTweet[] =>
  parseCsvRecords(read(root, 'davidson-hate-offensive', 'labeled_data.csv')).map((row) => ({
    tweet: row.tweet ?? '',
    label: row.class === '0' ? 0 : row.class === '1' ? 1 : 2,
  }));

export const loadLdnoobw = (root: string, language: string): string[] =>
  read(root, 'ldnoobw', language)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);

/** Hand-made fixtures: one JSON object per line with `text` and labelled values (offsets found by search). */
const handMadeSchema = z.object({
  text: z.string(),
  label: z.string().optional(),
  spans: z.array(z.object({ type: z.string(), value: z.string() })).default([]),
  note: z.string().optional(),
});
export type HandMadeSample = z.infer<typeof handMadeSchema>;
export const loadHandMade = (root: string, file: string): HandMadeSample[] =>
  jsonLines(read(root, 'hand-made', file)).map((line) => handMadeSchema.parse(line));
