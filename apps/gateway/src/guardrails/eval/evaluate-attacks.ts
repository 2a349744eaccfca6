import { jailbreakDetector } from '../jailbreak.js';
import { promptInjectionDetector } from '../prompt-injection.js';
import {
  loadBipia,
  loadDoNotAnswer,
  loadGiskard,
  loadHandMade,
  loadInTheWild,
  loadJailbreakBench,
  loadLakera,
  loadModeration,
  loadXstest,
  type BipiaAttack,
  type BipiaContext,
} from './datasets.js';
import { flaggedRate, formatFlagged, markdownTable } from './metrics.js';
import { splitHalves, type Half } from './split.js';
import { loadTechnicalText } from './technical-text.js';

const injection = (text: string): boolean => promptInjectionDetector.detect(text, { threshold: 0.5, source: 'user' }).triggered;
const injectionInDocument = (text: string): boolean =>
  promptInjectionDetector.detect(text, { threshold: 0.5, source: 'third_party' }).triggered;
const jailbreak = (text: string): boolean => jailbreakDetector.detect(text, { threshold: 0.5 }).triggered;

const unique = (texts: readonly string[]): string[] => [...new Set(texts)];

/**
 * BIPIA's way of building positives: the attack instruction is inserted into a benign context (here at the end, and
 * after the middle line), so the detector must find it inside ordinary third-party content. Text attacks go into
 * e-mails and tables, code attacks into code answers.
 */
export function insertAttacks(attacks: readonly BipiaAttack[], contexts: readonly BipiaContext[], perAttack = 4): string[] {
  const texts: string[] = [];
  attacks.forEach((attack, attackIndex) => {
    const pool = contexts.filter((context) => (context.kind === 'code') === (attack.kind === 'code'));
    for (let index = 0; index < perAttack && pool.length > 0; index++) {
      const context = pool[(attackIndex * perAttack + index) % pool.length]!.context;
      if (index % 2 === 0) texts.push(`${context}\n${attack.attack}`);
      else {
        const middle = context.indexOf('\n', Math.floor(context.length / 2));
        texts.push(middle === -1 ? `${attack.attack}\n${context}` : `${context.slice(0, middle)}\n${attack.attack}${context.slice(middle)}`);
      }
    }
  });
  return texts;
}

const halves: ReadonlyArray<{ half: Half; label: string }> = [
  { half: 'dev', label: 'dev' },
  { half: 'heldout', label: 'held-out' },
];

/** One row per half of a set: what each detector flags, and the two together (the input guard blocks on either). */
function addHalfRows(rows: Array<Array<string | number>>, name: string, texts: readonly string[], document: boolean): void {
  const inject = document ? injectionInDocument : injection;
  const split = splitHalves(texts, (text) => text);
  for (const { half, label } of halves) {
    rows.push(rateRow(name, label, split[half], inject));
  }
}

/** One table row: a set's half, and the share of its texts each detector (and either) flags. */
function rateRow(name: string, label: string, texts: string[], inject: (text: string) => boolean): Array<string | number> {
  return [
    name,
    label,
    texts.length,
    formatFlagged(flaggedRate(texts, inject)),
    formatFlagged(flaggedRate(texts, jailbreak)),
    formatFlagged(flaggedRate(texts, (text) => inject(text) || jailbreak(text))),
  ];
}

/**
 * Recall on every attack set, per half (see split.ts). BIPIA's attacks and contexts are split separately and a half's
 * positives insert that half's attacks into that half's contexts, so no held-out attack or context is ever read.
 */
export function evaluateAttackRecall(root: string): string {
  const giskard = loadGiskard(root);
  const jbb = loadJailbreakBench(root);
  const bipia = loadBipia(root);
  const rows: Array<Array<string | number>> = [];
  const add = (name: string, texts: string[], document = false): void => addHalfRows(rows, name, texts, document);
  add('jailbreak-llms-inthewild (all)', unique(loadInTheWild(root)));
  for (const method of ['JBC', 'prompt_with_random_search', 'GCG', 'DSN', 'PAIR']) {
    add(`JailbreakBench ${method} (unique prompts)`, unique(jbb.filter((entry) => entry.method === method).map((entry) => entry.prompt)));
  }
  add('JailbreakBench, all methods (unique prompts)', unique(jbb.map((entry) => entry.prompt)));
  add('giskard Jailbreak', giskard.filter((entry) => entry.group === 'Jailbreak').map((entry) => entry.prompt));
  add('giskard Hijacking attacks', giskard.filter((entry) => entry.group !== 'Jailbreak').map((entry) => entry.prompt));
  const attacks = splitHalves(bipia.attacks, (attack) => attack.attack);
  const contexts = splitHalves(bipia.contexts, (context) => context.context);
  for (const [name, kind] of [
    ['BIPIA text attacks inserted in e-mails/tables (third-party mode)', 'text'],
    ['BIPIA code attacks inserted in code answers (third-party mode)', 'code'],
  ] as const) {
    for (const { half, label } of halves) {
      rows.push(rateRow(name, label, insertAttacks(attacks[half].filter((attack) => attack.kind === kind), contexts[half]), injectionInDocument));
    }
  }
  add('BIPIA attack instructions alone (third-party mode)', unique(bipia.attacks.map((attack) => attack.attack)), true);
  const lakera = loadLakera(root);
  for (const category of unique(lakera.map((entry) => entry.category)).sort()) {
    add(`Lakera Gandalf: ${category} (label true, ~100-char previews)`, unique(lakera.filter((entry) => entry.category === category && entry.label).map((entry) => entry.text)));
  }
  return markdownTable(['attack set', 'half', 'n', 'prompt_injection recall', 'jailbreak recall', 'either (input guard)'], rows);
}

/**
 * False-positive rates on benign text, per half: share flagged by each detector. `repositoryRoot` is the checkout the
 * technical-text set is cut from (see technical-text.ts).
 */
export function evaluateAttackFalsePositives(root: string, repositoryRoot: string): string {
  const xstest = loadXstest(root);
  const bipia = loadBipia(root);
  const rows: Array<Array<string | number>> = [];
  const add = (name: string, texts: string[], document = false): void => addHalfRows(rows, name, texts, document);
  add('XSTest safe prompts', xstest.filter((entry) => entry.label === 'safe').map((entry) => entry.prompt));
  add('BIPIA benign contexts (third-party mode)', bipia.contexts.map((context) => context.context), true);
  add('BIPIA benign contexts (user mode)', bipia.contexts.map((context) => context.context));
  add('BIPIA user questions', unique(bipia.contexts.flatMap((context) => (context.question === undefined ? [] : [context.question]))));
  add('hand-made BFSI benign prompts', loadHandMade(root, 'bfsi-benign.jsonl').map((sample) => sample.text));
  add('XSTest unsafe contrast prompts (harmful, not attacks)', xstest.filter((entry) => entry.label === 'unsafe').map((entry) => entry.prompt));
  add('Do-Not-Answer prompts (harmful, not attacks)', loadDoNotAnswer(root).map((entry) => entry.prompt));
  add('JailbreakBench goals (harmful requests, not attacks)', unique(loadJailbreakBench(root).map((entry) => entry.goal)));
  add('OpenAI moderation samples (web text)', loadModeration(root).map((sample) => sample.prompt));
  const technical = loadTechnicalText(repositoryRoot);
  add('technical text, 4 KB chunks (code, config, docs; all sources)', technical.map((chunk) => chunk.text));
  for (const source of unique(technical.map((chunk) => chunk.source))) {
    const label = source === 'repo' ? 'this repository: gateway source (not guardrails/) and SQL migrations' : `node_modules/${source} (MIT)`;
    add(`technical text: ${label}`, technical.filter((chunk) => chunk.source === source).map((chunk) => chunk.text));
  }
  return markdownTable(['benign set', 'half', 'n', 'prompt_injection flagged', 'jailbreak flagged', 'either flagged'], rows);
}
