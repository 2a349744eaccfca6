import { confidentialParamsSchema, findConfidential } from '../confidential.js';
import { financialAdviceDetector } from '../financial-advice.js';
import { findSecrets, secretsParamsSchema } from '../secrets.js';
import { toxicityDetector } from '../toxicity.js';
import { loadBipia, loadDavidson, loadDoNotAnswer, loadHandMade, loadLdnoobw, loadModeration, loadXstest } from './datasets.js';
import { computeScores, flaggedRate, formatFlagged, formatRate, markdownTable, type Counts } from './metrics.js';
import { locateValues, matchSpans } from './span-matching.js';

const toxic = (text: string): boolean => toxicityDetector.detect(text, { threshold: 0.5, profanity: true }).triggered;
const advice = (text: string): boolean => financialAdviceDetector.detect(text, { threshold: 0.5 }).triggered;

function binaryRow(name: string, positives: readonly string[], negatives: readonly string[], flag: (text: string) => boolean): Array<string | number> {
  const counts: Counts = { tp: 0, fp: 0, fn: 0 };
  for (const text of positives) if (flag(text)) counts.tp++;
  else counts.fn++;
  for (const text of negatives) if (flag(text)) counts.fp++;
  const scores = computeScores(counts);
  return [name, positives.length, negatives.length, formatRate(scores.precision), formatRate(scores.recall), formatRate(scores.f1)];
}

const binaryHeader = ['set', 'positives', 'negatives', 'precision', 'recall', 'F1'];

/** Davidson (hate or offensive = positive), OpenAI moderation (hate, harassment, violence = positive), word lists. */
export function evaluateToxicity(root: string): { table: string; notes: string } {
  const davidson = loadDavidson(root);
  const positives = davidson.filter((tweet) => tweet.label !== 2).map((tweet) => tweet.tweet);
  const negatives = davidson.filter((tweet) => tweet.label === 2).map((tweet) => tweet.tweet);
  const everything = { tp: positives.length, fp: negatives.length, fn: 0 };
  const baseline = computeScores(everything);
  const moderation = loadModeration(root);
  const targeted = ['H', 'HR', 'H2', 'V', 'V2'];
  const moderationPositives = moderation.filter((sample) => targeted.some((key) => sample.labels[key] === 1)).map((sample) => sample.prompt);
  const moderationNegatives = moderation
    .filter((sample) => Object.values(sample.labels).every((value) => value === 0))
    .map((sample) => sample.prompt);
  const english = loadLdnoobw(root, 'en');
  const rows = [
    binaryRow('Davidson tweets (class 0 hate + 1 offensive vs 2 neither)', positives, negatives, toxic),
    binaryRow('Davidson: hate speech only (class 0 vs 2)', davidson.filter((tweet) => tweet.label === 0).map((tweet) => tweet.tweet), negatives, toxic),
    binaryRow('OpenAI moderation: H/HR/H2/V/V2 vs none', moderationPositives, moderationNegatives, toxic),
    binaryRow('LDNOOBW en terms in "You are such a {term}."', english.map((term) => `You are such a ${term}.`), [], toxic),
  ];
  const xstest = loadXstest(root).filter((entry) => entry.label === 'safe').map((entry) => entry.prompt);
  const bfsi = loadHandMade(root, 'bfsi-benign.jsonl').map((sample) => sample.text);
  const notes = [
    `Trivial baseline on Davidson (flag every tweet): precision ${formatRate(baseline.precision)}, recall 1.000, F1 ${formatRate(baseline.f1)}; 83% of the tweets are positives, so F1 there says little on its own — look at the "neither" false-positive rate below.`,
    `Davidson "neither" tweets flagged: ${formatFlagged(flaggedRate(negatives, toxic))}.`,
    `False positives: XSTest safe prompts ${formatFlagged(flaggedRate(xstest, toxic))}; hand-made BFSI benign prompts ${formatFlagged(flaggedRate(bfsi, toxic))}; BIPIA benign contexts ${formatFlagged(flaggedRate(loadBipia(root).contexts.map((context) => context.context), toxic))}.`,
  ].join('\n\n');
  return { table: markdownTable(binaryHeader, rows), notes };
}

export function evaluateFinancialAdvice(root: string): { table: string; notes: string } {
  const samples = loadHandMade(root, 'financial-advice.jsonl');
  const positives = samples.filter((sample) => sample.label === 'advice').map((sample) => sample.text);
  const negatives = samples.filter((sample) => sample.label !== 'advice').map((sample) => sample.text);
  const requests = loadDoNotAnswer(root).filter((entry) => entry.intents.includes('S002fin')).map((entry) => entry.prompt);
  const xstest = loadXstest(root).filter((entry) => entry.label === 'safe').map((entry) => entry.prompt);
  const rows = [binaryRow('hand-made BFSI advice vs education/news/servicing', positives, negatives, advice), binaryRow('Do-Not-Answer S002fin requests', requests, [], advice)];
  const notes = `False positives: XSTest safe prompts ${formatFlagged(flaggedRate(xstest, advice))}; hand-made BFSI benign prompts ${formatFlagged(flaggedRate(loadHandMade(root, 'bfsi-benign.jsonl').map((sample) => sample.text), advice))}; benign finance text ${formatFlagged(flaggedRate(loadHandMade(root, 'benign-finance.jsonl').map((sample) => sample.text), advice))}; BIPIA benign contexts ${formatFlagged(flaggedRate(loadBipia(root).contexts.map((context) => context.context), advice))}.`;
  return { table: markdownTable(binaryHeader, rows), notes };
}

/** Secrets and confidential markers: span-level on hand-made fixtures, text-level false positives on benign sets. */
export function evaluateSecretsAndConfidential(root: string): { table: string; notes: string } {
  const secretParams = secretsParamsSchema.parse({});
  const confidentialParams = confidentialParamsSchema.parse({
    terms: ['Project Falcon', 'Bluebird Merger', 'Orion Capital'],
    patterns: ['\\bDOC-\\d{4}-\\d{5}\\b', '\\bDEAL-[A-Z]{3}-\\d{3}\\b'],
  });
  const secretsCounts = new Map<string, Counts>();
  const secretSamples = loadHandMade(root, 'secrets.jsonl');
  const secretTypes = new Set(secretSamples.flatMap((sample) => sample.spans.map((span) => span.type)));
  for (const sample of secretSamples) {
    const predicted = findSecrets(sample.text, secretParams).filter((finding) => finding.score >= secretParams.threshold);
    // Any secret type counts: the type of a generic value is a matter of naming, its leak is not.
    const relabel = (type: string): string => (secretTypes.has(type) ? 'SECRET' : type);
    matchSpans(
      locateValues(sample.text, sample.spans).map((span) => ({ ...span, type: 'SECRET' })),
      predicted.map((finding) => ({ ...finding, type: relabel(finding.type) })),
      new Set(['SECRET']),
      secretsCounts,
    );
  }
  const confidentialCounts = new Map<string, Counts>();
  for (const sample of loadHandMade(root, 'confidential.jsonl')) {
    const predicted = findConfidential(sample.text, confidentialParams)
      .filter((finding) => finding.score >= confidentialParams.threshold)
      .map((finding) => ({ ...finding, type: 'CONFIDENTIAL' }));
    matchSpans(locateValues(sample.text, sample.spans), predicted, new Set(['CONFIDENTIAL']), confidentialCounts);
  }
  const row = (name: string, counts: Counts | undefined): Array<string | number> => {
    const entry = counts ?? { tp: 0, fp: 0, fn: 0 };
    const scores = computeScores(entry);
    return [name, entry.tp + entry.fn, entry.tp, entry.fp, entry.fn, formatRate(scores.precision), formatRate(scores.recall), formatRate(scores.f1)];
  };
  const secretFlags = (text: string): boolean => findSecrets(text, secretParams).some((finding) => finding.score >= secretParams.threshold);
  const confidentialFlags = (text: string): boolean =>
    findConfidential(text, confidentialParams).some((finding) => finding.score >= confidentialParams.threshold);
  const bipia = loadBipia(root).contexts;
  const benign = [...loadHandMade(root, 'bfsi-benign.jsonl'), ...loadHandMade(root, 'benign-finance.jsonl')].map((sample) => sample.text);
  const notes = `False positives: secrets on BIPIA code answers ${formatFlagged(flaggedRate(bipia.filter((context) => context.kind === 'code').map((context) => context.context), secretFlags))}, on BIPIA e-mails and tables ${formatFlagged(flaggedRate(bipia.filter((context) => context.kind !== 'code').map((context) => context.context), secretFlags))}, on hand-made BFSI text ${formatFlagged(flaggedRate(benign, secretFlags))}; confidential (default markers plus the fixture's terms) on BIPIA contexts ${formatFlagged(flaggedRate(bipia.map((context) => context.context), confidentialFlags))} and hand-made BFSI text ${formatFlagged(flaggedRate(benign, confidentialFlags))}.`;
  return {
    table: markdownTable(['detector', 'gold', 'TP', 'FP', 'FN', 'precision', 'recall', 'F1'], [
      row(`secrets (hand-made: ${secretSamples.filter((sample) => sample.spans.length > 0).length} synthetic keys of ${secretTypes.size} kinds, ${secretSamples.filter((sample) => sample.spans.length === 0).length} look-alikes)`, secretsCounts.get('SECRET')),
      row('confidential (hand-made: tenant terms, id patterns, markers)', confidentialCounts.get('CONFIDENTIAL')),
    ]),
    notes,
  };
}
