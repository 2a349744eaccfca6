import { z } from 'zod';
import { buildDetection, resolveOverlaps, thresholdSchema, type Detector, type Finding } from './detector.js';
import { anchorPattern, matchAllAnchored } from './text/anchored-search.js';
import { profileText, registerKeyword } from './text/keyword-index.js';

interface SecretRule {
  type: string;
  pattern: RegExp;
  score: number;
  /** Lower-case substrings one of which every match contains: the rule runs only on texts that have one. */
  anchors: string[];
  /** The shortest run of token characters (letters, digits, `+/_-`) a match contains. */
  minRun: number;
  /** Extra check on the matched text (structure a regex cannot express cheaply). */
  validate?: (value: string) => boolean;
}

// Provider formats from the providers' own documentation and gitleaks' rule set. Every quantifier is bounded and every
// pattern starts with a literal prefix, so a scan is linear and mostly skips ahead by the prefix.
const rules: SecretRule[] = [
  { type: 'AWS_ACCESS_KEY', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g, score: 0.9, anchors: ['akia', 'asia', 'abia', 'acca'], minRun: 20, validate: (value) => !value.endsWith('EXAMPLE') },
  { type: 'GITHUB_TOKEN', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, score: 0.95, anchors: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], minRun: 40 },
  { type: 'GITHUB_TOKEN', pattern: /\bgithub_pat_[A-Za-z0-9_]{60,255}\b/g, score: 0.95, anchors: ['github_pat_'], minRun: 71 },
  { type: 'GITLAB_TOKEN', pattern: /\bglpat-[A-Za-z0-9_-]{20,64}\b/g, score: 0.95, anchors: ['glpat-'], minRun: 26 },
  { type: 'SLACK_TOKEN', pattern: /\bxox[abposr]-(?:\d{1,20}-){0,3}[A-Za-z0-9-]{10,128}\b/g, score: 0.9, anchors: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'], minRun: 15 },
  { type: 'SLACK_WEBHOOK', pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{16,32}/g, score: 0.9, anchors: ['hooks.slack.com'], minRun: 16 },
  { type: 'STRIPE_KEY', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,128}\b/g, score: 0.95, anchors: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'], minRun: 24 },
  { type: 'ANTHROPIC_API_KEY', pattern: /\bsk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]{32,128}/g, score: 0.95, anchors: ['sk-ant-'], minRun: 40 },
  {
    type: 'OPENAI_API_KEY',
    pattern: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,200}/g,
    score: 0.9,
    anchors: ['sk-'],
    minRun: 23,
    // Old keys embed "T3BlbkFJ" ("OpenAI" in base64); project keys are long. Short "sk-" words are not keys.
    validate: (value) => value.includes('T3BlbkFJ') || value.length >= 40,
  },
  { type: 'GOOGLE_API_KEY', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, score: 0.9, anchors: ['aiza'], minRun: 39 },
  { type: 'GOOGLE_OAUTH_TOKEN', pattern: /\bya29\.[0-9A-Za-z_-]{20,512}/g, score: 0.85, anchors: ['ya29.'], minRun: 20 },
  { type: 'HUGGINGFACE_TOKEN', pattern: /\bhf_[A-Za-z]{34,40}\b/g, score: 0.9, anchors: ['hf_'], minRun: 37 },
  { type: 'NPM_TOKEN', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, score: 0.9, anchors: ['npm_'], minRun: 40 },
  { type: 'PYPI_TOKEN', pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,300}/g, score: 0.95, anchors: ['pypi-ageichlwas5vcmc'], minRun: 60 },
  { type: 'SENDGRID_KEY', pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g, score: 0.95, anchors: ['sg.'], minRun: 43 },
  { type: 'TWILIO_KEY', pattern: /\bSK[0-9a-f]{32}\b/g, score: 0.7, anchors: ['sk'], minRun: 34 },
  { type: 'AZURE_STORAGE_KEY', pattern: /AccountKey=[A-Za-z0-9+/]{86}==/g, score: 0.95, anchors: ['accountkey='], minRun: 86 },
  { type: 'SQUARE_TOKEN', pattern: /\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}\b/g, score: 0.9, anchors: ['sq0atp-', 'sq0csp-'], minRun: 29 },
  { type: 'SHOPIFY_TOKEN', pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g, score: 0.9, anchors: ['shpat_', 'shpca_', 'shppa_', 'shpss_'], minRun: 38 },
  {
    type: 'JWT',
    pattern: /\beyJ[A-Za-z0-9_-]{8,2048}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,2048}/g,
    score: 0.85,
    anchors: ['eyj'],
    minRun: 11,
    validate: (value) => {
      const header = value.slice(0, value.indexOf('.'));
      return /"alg"\s*:/.test(Buffer.from(header, 'base64url').toString('utf8'));
    },
  },
  {
    type: 'CREDENTIALS_IN_URL',
    pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@"'<>]{1,64}:[^\s/@"'<>]{3,128}@[A-Za-z0-9.-]{1,253}/g,
    score: 0.85,
    anchors: ['://'],
    minRun: 0,
    // "user:password@host" with a placeholder password is documentation, not a leak.
    validate: (value) => !/:(?:password|pass|pwd|secret|\*+|<[^>]*>|\$\{[^}]*\}|x+)@/i.test(value),
  },
  { type: 'AUTHORIZATION_HEADER', pattern: /\b(?:Basic|Bearer) [A-Za-z0-9._~+/-]{20,2048}=*/g, score: 0.7, anchors: ['basic ', 'bearer '], minRun: 0 },
];

const compiledRules = rules.map((rule) => {
  const anchorIds = rule.anchors.map((anchor) => registerKeyword(anchor));
  return { ...rule, anchorIds, anchored: anchorPattern(rule.pattern, [anchorIds]) };
});
const assignmentAnchors = ['key', 'secret', 'token', 'passwd', 'password', 'pwd', 'passphrase', 'credential'].map((word) => registerKeyword(word));
const privateKeyAnchor = registerKeyword('private key');

const privateKeyBegin = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;

// `name = value` / `"name": "value"` where the name says secret. The value must look random (entropy below).
const assignmentPattern =
  /(?<![a-z0-9])(?:api[_-]?key|apikey|secret|token|passwd|password|pwd|passphrase|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?key|credentials?)[a-z0-9_.-]{0,24}["']?\s{0,3}(?:=|:|=>|:=)\s{0,3}["']?([^\s"',;`]{8,256})/gi;
const anchoredAssignment = anchorPattern(assignmentPattern, [assignmentAnchors]);
const placeholder = /^(?:x+|\*+|\.+|<[^>]*>|\$\{?[A-Za-z_]+\}?|%\(?\w+\)?s?|your[_-]?\w*|changeme|example\w*|password\w*|secret\w*|null|none|true|false|undefined|process\.env\.\w+|os\.environ\S*)$/i;
// Long base64/hex-alphabet runs; scored by entropy and by secret words near them.
const opaqueTokenPattern = /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{32,512}={0,2}(?![A-Za-z0-9+/_=-])/g;
const opaqueTokenAtStart = new RegExp(opaqueTokenPattern.source, 'y');
const isTokenCharacter = (code: number): boolean =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 47 || code === 95 || code === 45;

/**
 * The matches of `opaqueTokenPattern`, as a scan of the whole text would find them: the look-behind puts a match at the
 * start of a token run at least 32 long, which the profile lists; each is tried there only.
 */
function opaqueTokens(text: string, runStarts: readonly number[]): RegExpExecArray[] {
  const matches: RegExpExecArray[] = [];
  for (const start of runStarts) {
    let end = start;
    while (end < text.length && isTokenCharacter(text.charCodeAt(end))) end++;
    const sliceStart = Math.max(0, start - 1);
    opaqueTokenAtStart.lastIndex = start - sliceStart;
    const match = opaqueTokenAtStart.exec(text.slice(sliceStart, Math.min(text.length, end + 3)));
    if (match === null) continue;
    match.index += sliceStart;
    matches.push(match);
  }
  return matches;
}
const secretWords = /\b(?:key|secret|token|password|passwd|credential|credentials|auth|bearer|api|private)\b/i;

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const probability = count / value.length;
    entropy -= probability * Math.log2(probability);
  }
  return entropy;
}

/** Letters and digits mixed, and random enough not to be a word, a path or a repeated character. */
function looksRandom(value: string, minimumEntropy: number): boolean {
  return /\d/.test(value) && /[A-Za-z]/.test(value) && shannonEntropy(value) >= minimumEntropy;
}

export const secretsParamsSchema = z.object({
  threshold: thresholdSchema,
  /** Report long random-looking tokens with no provider prefix when a secret word is near them. */
  entropy: z.boolean().default(true),
});
export type SecretsParams = z.infer<typeof secretsParamsSchema>;

export function findSecrets(text: string, params: SecretsParams): Finding[] {
  const findings: Finding[] = [];
  const profile = profileText(text);
  for (const rule of compiledRules) {
    if (profile.longestTokenRun < rule.minRun || !profile.hasAny(rule.anchorIds)) continue;
    for (const match of matchAllAnchored(text, profile, rule.anchored)) {
      if (rule.validate !== undefined && !rule.validate(match[0])) continue;
      findings.push({ type: rule.type, start: match.index, end: match.index + match[0].length, score: rule.score });
    }
  }
  if (profile.has(privateKeyAnchor) && text.includes('PRIVATE KEY')) {
    let coveredUntil = 0;
    for (const match of text.matchAll(privateKeyBegin)) {
      if (match.index < coveredUntil) continue;
      const endMarker = text.indexOf('-----END', match.index + match[0].length);
      const close = endMarker === -1 ? -1 : text.indexOf('-----', endMarker + 8);
      // An unterminated key is still a leak: redact to the end of the text (which covers any later BEGIN too).
      const end = close === -1 ? text.length : close + 5;
      findings.push({ type: 'PRIVATE_KEY', start: match.index, end, score: 0.99 });
      coveredUntil = end;
    }
  }
  for (const match of profile.hasAny(assignmentAnchors) ? matchAllAnchored(text, profile, anchoredAssignment) : []) {
    const value = match[1] ?? '';
    if (placeholder.test(value) || !looksRandom(value, 3)) continue;
    const start = match.index + match[0].length - value.length;
    findings.push({ type: 'GENERIC_SECRET', start, end: start + value.length, score: 0.75 });
  }
  if (params.entropy && profile.longestTokenRun >= 32) {
    for (const match of opaqueTokens(text, profile.tokenRunStarts)) {
      const value = match[0];
      // Hex has 4 bits per character at most; base64 alphabets reach 6.
      if (!looksRandom(value, /^[0-9a-fA-F]+$/.test(value) ? 3.3 : 4)) continue;
      const before = text.slice(Math.max(0, match.index - 40), match.index);
      findings.push({
        type: 'HIGH_ENTROPY_STRING',
        start: match.index,
        end: match.index + value.length,
        score: secretWords.test(before) ? 0.65 : 0.35,
      });
    }
  }
  return resolveOverlaps(findings);
}

export const secretsDetector: Detector<SecretsParams> = {
  id: 'secrets',
  description: 'API keys and tokens of common providers, private keys, JWTs, credentials in URLs and random-looking values next to secret words',
  paramsSchema: secretsParamsSchema,
  detect(text, params) {
    return buildDetection(findSecrets(text, params), params.threshold);
  },
};
