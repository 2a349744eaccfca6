/**
 * Scores every built-in guardrail detector on the labelled sets in apps/gateway/fixtures/guardrails (developer part
 * of public sets, see each README) and on the hand-made fixtures in hand-made/. Prints markdown tables: precision,
 * recall and F1 per detector and entity type, recall per attack set and false-positive rates on benign sets (each for a
 * development and a held-out half, see src/guardrails/eval/split.ts). The benign technical-text set is cut from this
 * checkout's gateway source and from MIT-licensed packages in node_modules (src/guardrails/eval/technical-text.ts).
 * Run: npm run eval:guardrails [-- --fixtures <dir>]
 */
import { fileURLToPath } from 'node:url';
import { evaluateAttackFalsePositives, evaluateAttackRecall } from '../src/guardrails/eval/evaluate-attacks.js';
import { evaluateFinancialAdvice, evaluateSecretsAndConfidential, evaluateToxicity } from '../src/guardrails/eval/evaluate-content.js';
import { evaluateChecksums, evaluateHandMadePii, evaluatePresidio } from '../src/guardrails/eval/evaluate-pii.js';

const flag = process.argv.indexOf('--fixtures');
const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const root = flag !== -1 && process.argv[flag + 1] !== undefined ? process.argv[flag + 1]! : fileURLToPath(new URL('../fixtures/guardrails', import.meta.url));

function section(title: string, ...parts: string[]): void {
  process.stdout.write(`\n### ${title}\n\n${parts.join('\n\n')}\n`);
}

const started = performance.now();
process.stdout.write(`# Guardrail evaluation (fixtures: ${root})\n`);
section('PII — Presidio synthetic set (developer part)', evaluatePresidio(root));
const handMade = evaluateHandMadePii(root);
section('PII — hand-made BFSI identifiers (default parameters)', handMade.table, handMade.benign);
section('PII — checksum validation on random digit strings', evaluateChecksums());
section('Prompt injection and jailbreak — recall', evaluateAttackRecall(root));
section('Prompt injection and jailbreak — false positives on benign text', evaluateAttackFalsePositives(root, repositoryRoot));
const toxicity = evaluateToxicity(root);
section('Toxicity', toxicity.table, toxicity.notes);
const advice = evaluateFinancialAdvice(root);
section('Financial advice', advice.table, advice.notes);
const secrets = evaluateSecretsAndConfidential(root);
section('Secrets and confidential data', secrets.table, secrets.notes);
process.stdout.write(`\n(evaluated in ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
