import { describe, expect, it } from 'vitest';
import { computeBleu, computeRougeL, computeRougeN, computeTextMetrics, tokenize13a, tokenizeForRouge, type RougeScore } from './text-metrics.js';

/**
 * Every expected value below is published by the tool whose convention we follow, not computed by us:
 * - NLTK, nltk/translate/bleu_score.py, `sentence_bleu` / `corpus_bleu` / `brevity_penalty` doctests (NLTK 3.x).
 * - sacreBLEU, test/test_sentence_bleu.py (mjpost/sacrebleu): the #98 and #141 examples, scores ×100 there.
 * - Google rouge-score, rouge/rouge_scorer_test.py (google-research/google-research): unit cases, and the ROUGE-1.5.5
 *   ground truth ("taken from manual runs of ROUGE-1.5.5") on the first two lines of rouge/testdata/{target,prediction}.txt.
 * - rouge-score's README example (The quick brown fox …).
 */

const hypothesis1 = ['It', 'is', 'a', 'guide', 'to', 'action', 'which', 'ensures', 'that', 'the', 'military', 'always', 'obeys', 'the', 'commands', 'of', 'the', 'party'];
const hypothesis2 = ['It', 'is', 'to', 'insure', 'the', 'troops', 'forever', 'hearing', 'the', 'activity', 'guidebook', 'that', 'party', 'direct'];
const reference1 = ['It', 'is', 'a', 'guide', 'to', 'action', 'that', 'ensures', 'that', 'the', 'military', 'will', 'forever', 'heed', 'Party', 'commands'];
const reference2 = ['It', 'is', 'the', 'guiding', 'principle', 'which', 'guarantees', 'the', 'military', 'forces', 'always', 'being', 'under', 'the', 'command', 'of', 'the', 'Party'];
const reference3 = ['It', 'is', 'the', 'practical', 'guide', 'for', 'the', 'army', 'always', 'to', 'heed', 'the', 'directions', 'of', 'the', 'party'];
const references = [reference1, reference2, reference3];

describe('BLEU: NLTK sentence_bleu (no smoothing)', () => {
  it('hypothesis1 against three references: 0.5045666840058485', () => {
    expect(computeBleu(hypothesis1, references)).toBeCloseTo(0.5045666840058485, 12);
  });

  it('hypothesis2 has no 3-gram overlap: 0', () => {
    expect(computeBleu(hypothesis2, references)).toBe(0);
  });

  it('custom weights (0.1666 × 5): 0.45838627164939455', () => {
    expect(computeBleu(hypothesis1, references, { weights: [0.1666, 0.1666, 0.1666, 0.1666, 0.1666] })).toBeCloseTo(0.45838627164939455, 12);
  });

  it('the mean of two sentence scores from the corpus_bleu doctest: 0.6223…', () => {
    const hypothesis = ['he', 'read', 'the', 'book', 'because', 'he', 'was', 'interested', 'in', 'world', 'history'];
    const reference = ['he', 'was', 'interested', 'in', 'world', 'history', 'because', 'he', 'read', 'the', 'book'];
    const mean = (computeBleu(hypothesis1, references) + computeBleu(hypothesis, [reference])) / 2;
    expect(mean).toBeCloseTo(0.6223, 4);
  });

  it('brevity penalty: 12 tokens against two references of 28 → 0.2635971381157267', () => {
    const hypothesis = Array.from({ length: 12 }, () => 'a');
    const reference = Array.from({ length: 28 }, () => 'a');
    // Every n-gram matches, so the score is the brevity penalty alone.
    expect(computeBleu(hypothesis, [reference, reference])).toBeCloseTo(0.2635971381157267, 12);
  });
});

describe('BLEU: sacreBLEU sentence_score (exp smoothing, effective order)', () => {
  const reference = 'producţia de zahăr brut se exprimă în zahăr alb;';
  const system = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';

  it('13a tokenisation: 8.493', () => {
    expect(computeBleu(tokenize13a(system), [tokenize13a(reference)], { smoothing: 'exp', effectiveOrder: true }) * 100).toBeCloseTo(8.493, 2);
  });

  it('13a tokenisation without smoothing: 0.0', () => {
    expect(computeBleu(tokenize13a(system), [tokenize13a(reference)], { smoothing: 'none', effectiveOrder: true })).toBe(0);
  });

  it('no tokenisation (whitespace): 7.347', () => {
    expect(computeBleu(system.split(' '), [reference.split(' ')], { smoothing: 'exp', effectiveOrder: true }) * 100).toBeCloseTo(7.347, 2);
  });

  it('no unigram in common is 0.0 even when smoothed (#141)', () => {
    expect(computeBleu(tokenize13a('this is a cat'), [tokenize13a('okay thanks')], { smoothing: 'exp', effectiveOrder: true })).toBe(0);
  });

  it('13a splits punctuation but keeps numbers whole', () => {
    expect(tokenize13a('Use S3, v1.5 and "KMS"; 2024-01.')).toEqual(['Use', 'S3', ',', 'v1.5', 'and', '"', 'KMS', '"', ';', '2024', '-', '01', '.']);
  });
});

function expectScore(actual: RougeScore, precision: number, recall: number, fmeasure: number, digits = 10): void {
  expect(actual.precision).toBeCloseTo(precision, digits);
  expect(actual.recall).toBeCloseTo(recall, digits);
  expect(actual.fmeasure).toBeCloseTo(fmeasure, digits);
}

/** rouge-score's scorer.score(target, prediction), with its default tokenizer. */
function rouge(kind: 1 | 2 | 'L', target: string, prediction: string): RougeScore {
  const t = tokenizeForRouge(target);
  const p = tokenizeForRouge(prediction);
  return kind === 'L' ? computeRougeL(t, p) : computeRougeN(t, p, kind);
}

describe('ROUGE: rouge-score unit cases', () => {
  it('rouge1("testing one two", "testing") = P 1, R 1/3, F 1/2', () => expectScore(rouge(1, 'testing one two', 'testing'), 1, 1 / 3, 1 / 2));
  it('rouge2("testing one two", "testing one") = P 1, R 1/2, F 2/3', () => expectScore(rouge(2, 'testing one two', 'testing one'), 1, 1 / 2, 2 / 3));
  it('rougeL consecutive = P 1, R 2/3, F 4/5', () => expectScore(rouge('L', 'testing one two', 'testing one'), 1, 2 / 3, 4 / 5));
  it('rougeL non-consecutive = P 1, R 2/3, F 4/5', () => expectScore(rouge('L', 'testing one two', 'testing two'), 1, 2 / 3, 4 / 5));
  it('an empty prediction scores 0', () => {
    for (const kind of [1, 2, 'L'] as const) expectScore(rouge(kind, 'testing one two', ''), 0, 0, 0);
  });
  it('README example: rouge1 P 0.75 R 0.6667 F 0.7059; rougeL P 0.625 R 0.5556 F 0.5882', () => {
    const target = 'The quick brown fox jumps over the lazy dog';
    const prediction = 'The quick brown dog jumps on the log.';
    expectScore(rouge(1, target, prediction), 0.75, 0.6666666666666666, 0.7058823529411765);
    expectScore(rouge('L', target, prediction), 0.625, 0.5555555555555556, 0.5882352941176471);
  });
});

describe('ROUGE: against ROUGE-1.5.5 (rouge-score test data, 5 decimals)', () => {
  // rouge/testdata/target.txt and prediction.txt, lines 1 and 2 (with their trailing newline).
  const targets = [
    "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
    "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
  ];
  const predictions = [
    "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
    "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
  ];
  const t0 = targets[0]!;
  const t1 = targets[1]!;
  const p0 = predictions[0]!;
  const p1 = predictions[1]!;

  it('ROUGE-1', () => {
    expectScore(rouge(1, t0, p0), 0.6875, 0.40741, 0.51163, 5);
    expectScore(rouge(1, t1, p1), 0.65385, 0.40476, 0.5, 5);
  });
  it('ROUGE-2', () => {
    expectScore(rouge(2, t0, p0), 0.53333, 0.30769, 0.39024, 5);
    expectScore(rouge(2, t1, p1), 0.48, 0.29268, 0.36364, 5);
  });
  it('ROUGE-L', () => {
    expectScore(rouge('L', t0, p0), 0.6875, 0.40741, 0.51163, 5);
    expectScore(rouge('L', t1, p1), 0.65385, 0.40476, 0.5, 5);
  });
});

describe('computeTextMetrics', () => {
  it('an identical answer scores 1 on every metric; an unrelated one 0', () => {
    const text = 'Enable S3 Block Public Access, default encryption with SSE-KMS, and bucket policies that deny non-TLS requests.';
    expect(computeTextMetrics(text, text)).toEqual({ bleu: 1, rouge1: 1, rouge2: 1, rougeL: 1 });
    expect(computeTextMetrics('completely different words here', text)).toEqual({ bleu: 0, rouge1: 0, rouge2: 0, rougeL: 0 });
  });
});
