import { z } from 'zod';
import { buildDetection, thresholdSchema, type Detector, type Finding } from './detector.js';
import {
  authority,
  delimiters,
  instructionOverride,
  obfuscatedOutput,
  promptExtraction,
  roleHeader,
  secretExtraction,
} from './text/attack-lexicon.js';
import { defineFeature, defineFeatures, noisyOr, scanFeatures, type Feature, type FeatureSpec } from './text/features.js';

export const promptInjectionParamsSchema = z.object({
  threshold: thresholdSchema,
  /**
   * `user`: a prompt typed by the caller. `third_party`: content the model will read but nobody vetted (retrieved
   * documents, e-mails, web pages, tool results), where any instruction addressed to the assistant is itself the attack.
   */
  source: z.enum(['user', 'third_party']).default('user'),
});
export type PromptInjectionParams = z.infer<typeof promptInjectionParamsSchema>;

const responseNounList = ['response', 'reply', 'replies', 'answer', 'output', 'summary', 'completion', 'message', 'explanation', 'elucidation'];
const responseNouns = `(?:${responseNounList.join('|')})s?`;
const yourResponse = responseNounList.map((noun) => `your ${noun}`);

const aiWords = ['ai', 'assistant', 'model', 'llm', 'bot', 'gpt', 'claude', 'agent'];

// Instructions addressed to whoever writes the answer: harmless from the user, an attack inside a document (where each
// alone reaches the default threshold: content the model only reads has no business directing "your response").
const addressedToModel: FeatureSpec[] = [
  { pattern: new RegExp(`\\b(?:in|to|within|into|throughout|from|at the (?:end|beginning|start) of) your ${responseNouns}\\b`, 'i'), anchors: yourResponse },
  { pattern: new RegExp(`\\byour ${responseNouns}\\b[^.!?\\n]{0,30}?\\b(?:must|should|shall|needs? to|has to|have to)\\b`, 'i'), anchors: yourResponse },
  {
    pattern: /\b(?:when|while|before|after|if) (?:you (?:are )?)?(?:respond|reply|answer|summari[sz]|generat)\w{0,8}\b[^.!?\n]{0,40}?\b(?:this|these|the (?:above|following)|the (?:email|document|page|text|message|table|data|file|content))\b/i,
    anchors: ['respond', 'reply', 'answer', 'summari', 'generat'],
  },
  {
    pattern: /\b(?:note|message|instructions?|attention) (?:to|for) (?:the |any )?(?:ai|assistant|model|llm|bot|chatbot|language model|gpt|agent)\b/i,
    anchors: ['note to', 'note for', 'message to', 'message for', 'instruction to', 'instructions to', 'instruction for', 'instructions for', 'attention to', 'attention for'],
    alsoAnchors: [aiWords],
  },
  {
    pattern: /\b(?:dear|attention|hey|hi|hello) (?:ai|assistant|chatbot|model|llm|gpt|chatgpt|claude|agent)\b/i,
    anchors: ['dear ', 'attention ', 'hey ', 'hi ', 'hello '],
    alsoAnchors: [aiWords],
  },
];
const manipulationVerbs = [
  'include', 'add', 'insert', 'append', 'prepend', 'embed', 'integrate', 'incorporate', 'mention', 'replace', 'substitute',
  'use', 'rewrite', 'modify', 'alter', 'change', 'translate', 'encode', 'format', 'end', 'begin', 'start', 'conclude',
  'finish', 'sign', 'enhance', 'augment', 'infuse', 'promote', 'recommend', 'advertise', 'render', 'provide', 'write',
  'remove', 'misspell', 'anagram', 'invert', 'reverse',
];
const outputManipulation: FeatureSpec[] = [
  {
    pattern: new RegExp(`\\b(?:${manipulationVerbs.join('|')})\\b[^.!?\\n]{0,60}?\\b(?:your|the) ${responseNouns}\\b`, 'i'),
    anchors: [...yourResponse, ...responseNounList.map((noun) => `the ${noun}`)],
  },
  {
    pattern: new RegExp(`\\b(?:modify|alter|change|rewrite|enhance|augment|render|make|give|provide|write|encode|apply|use)\\b[^.!?\\n]{0,12}?\\byour ${responseNouns}\\b`, 'i'),
    anchors: yourResponse,
  },
];
const codeInsertion: FeatureSpec = {
  pattern:
    /\b(?:following|subsequent|below|this|next|provided) code (?:snippet|block|section|excerpt|segment|fragment|sample)\b[^`]{0,160}?\byour (?:implementation|solution|code(?:base)?|algorithm|response|answer|reply|program|script|project|elucidation)\b|\byour (?:implementation|solution|code(?:base)?|algorithm)\b[^.!?\n`]{0,60}?\b(?:following|subsequent|below) code\b/i,
  anchors: ['code snippet', 'code block', 'code section', 'code excerpt', 'code segment', 'code fragment', 'code sample', 'following code', 'subsequent code', 'below code'],
};
const dangerousCode: FeatureSpec = {
  pattern:
    /\bos\.system\(|\bsubprocess\.(?:call|run|Popen|check_output)\(|\beval\(|\bexec\(|\brequests\.post\(|\burlopen\(|\bsocket\.socket\(|\bsmtplib\b|\/etc\/(?:passwd|shadow|hosts|init\.d)|\brm -rf\b|\bnc -e\b|\bchmod \+x\b|\bcrontab\b|\bkeylog|\bwin32clipboard\b|\bpynput\b|\bpowershell\b|\bcurl\b[^\n|]{0,120}\|\s{0,16}(?:ba|z)?sh\b|\bwget\b[^\n]{0,120}&&/i,
  anchors: ['os.system(', 'subprocess.', 'eval(', 'exec(', 'requests.post(', 'urlopen(', 'socket.socket(', 'smtplib', '/etc/', 'rm -rf', 'nc -e', 'chmod +x', 'crontab', 'keylog', 'win32clipboard', 'pynput', 'powershell', 'curl', 'wget'],
};
const linkInResponse: FeatureSpec = {
  pattern: /\b(?:https?:\/\/|www\.)\S{3,200}(?:\s[^.!?\n]{0,60}?)?\byour (?:response|reply|answer|output)\b|\byour (?:response|reply|answer|output)\b[^.!?\n]{0,60}?(?:https?:\/\/|www\.)/i,
  anchors: ['http://', 'https://', 'www.'],
};
const exfiltration: FeatureSpec[] = [
  // A Markdown image whose URL carries a query string: rendering it sends data to that host.
  { pattern: /!\[[^\]\n]{0,100}\]\(\s{0,4}https?:\/\/[^)\s?]{1,300}\?[^)\s]{1,300}\)/i, anchors: ['!['] },
  {
    pattern: /\b(?:send|post|forward|email|upload|transmit|exfiltrate|submit|share)\b[^.!?\n]{0,50}?\b(?:conversation|chat history|history|data|details|credentials|password|personal information|bank details|system prompt)\b[^.!?\n]{0,40}?(?:https?:\/\/|www\.|\b[\w.-]{1,64}@[\w-]{1,63}\.\w{2,24})/i,
    anchors: ['http://', 'https://', 'www.', '@'],
    alsoAnchors: [
      ['send', 'post', 'forward', 'email', 'upload', 'transmit', 'exfiltrate', 'submit', 'share'],
      ['conversation', 'history', 'data', 'details', 'credentials', 'password', 'personal information', 'system prompt'],
    ],
  },
];
const taskRedirection: FeatureSpec[] = [
  { pattern: /\bfrom now on\b|\bhenceforth\b|\bstarting now\b|\bfor the rest of (?:this|the) conversation\b/i, anchors: ['from now on', 'henceforth', 'starting now', 'for the rest of'] },
  {
    pattern: /\byour (?:new|real|only|true|actual|next|primary) (?:task|job|goal|purpose|objective|role|instructions?|mission)\b/i,
    anchors: ['your new', 'your real', 'your only', 'your true', 'your actual', 'your next', 'your primary'],
  },
  {
    pattern: /\b(?:new|updated|revised|real|actual|true|hidden|additional|override|secret) (?:instructions?|directives?|system prompt|task|objective|orders?)\s{0,16}[:-]/i,
    anchors: ['instruction', 'directive', 'system prompt', 'task', 'objective', 'order'],
  },
  { pattern: /\binstead,? (?:you (?:will|must|should|shall)|(?:just |only )?(?:respond|reply|say|print|output|write|answer|tell))\b/i, anchors: ['instead'] },
];

function buildFeatures(source: 'user' | 'third_party'): Feature[] {
  const document = source === 'third_party';
  return [
    ...defineFeatures('INSTRUCTION_OVERRIDE', 0.85, instructionOverride),
    ...defineFeatures('SYSTEM_PROMPT_EXTRACTION', 0.75, promptExtraction),
    ...defineFeatures('DELIMITER_INJECTION', 0.6, delimiters),
    defineFeature('ROLE_HEADER', document ? 0.5 : 0.35, roleHeader),
    ...defineFeatures('AUTHORITY_CLAIM', 0.4, authority),
    ...defineFeatures('TASK_REDIRECTION', document ? 0.45 : 0.3, taskRedirection),
    ...defineFeatures('SECRET_EXTRACTION', 0.4, secretExtraction),
    ...defineFeatures('OBFUSCATED_OUTPUT_REQUEST', document ? 0.4 : 0.25, obfuscatedOutput),
    ...defineFeatures('EXFILTRATION', 0.6, exfiltration),
    ...defineFeatures('ADDRESSED_TO_MODEL', document ? 0.5 : 0.1, addressedToModel),
    ...defineFeatures('OUTPUT_MANIPULATION', document ? 0.5 : 0.1, outputManipulation),
    defineFeature('CODE_INSERTION', document ? 0.5 : 0.1, codeInsertion),
    defineFeature('DANGEROUS_CODE', document ? 0.3 : 0.15, dangerousCode),
    defineFeature('LINK_IN_RESPONSE', document ? 0.35 : 0.2, linkInResponse),
  ];
}

const featureSets = { user: buildFeatures('user'), third_party: buildFeatures('third_party') };

/*
 * Pasted source code and technical docs share verbs and nouns with attacks ("bypass the proxy for all requests", "ignore
 * anything before the boundary", "unexpected end of input", `toString('base64')`). A match of the generic English
 * patterns below is weighed again in its context: where it reads like code or technical prose it counts only as weak
 * evidence, so it needs other cues to trigger; the canonical attack phrasings keep their full weight anywhere.
 */

/** The line holding a match, and the part of it before the match. */
function lineAround(text: string, start: number, end: number): { line: string; before: string } {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  return { line: text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd), before: text.slice(lineStart, start) };
}

const commentLine = /^\s*(?:\/\/|\/\*|\*(?!\*)|#(?![#!])|<!--|--\s)/;
/** `//` or `/*` earlier on the line (not the `//` of a URL). */
const trailingComment = /(?:^|[^:/])\/\/|\/\*/;
/** A quote opened after code punctuation and not closed before the match ("don't" opens nothing). */
const openQuote = /(?:^|[\s([{=:,])(["'])(?:(?!\1)[^\\\n]|\\.)*$/;

/** The match sits in a code comment, or inside a backtick span or a string literal. */
function inCodeContext(text: string, match: RegExpExecArray): boolean {
  const { line, before } = lineAround(text, match.index, match.index + match[0].length);
  if (commentLine.test(line) || trailingComment.test(before)) return true;
  return (before.match(/`/g)?.length ?? 0) % 2 === 1 || openQuote.test(before);
}

const addressed = /\b(?:you|your|yours|yourself|assistant)\b/i;
const instructionObject =
  /\b(?:instructions?|directions|rules|guidelines?|prompts?|system (?:message|prompt)|programming|guardrails?|safeguards?|training|polic(?:y|ies)|restrictions|limitations|principles|guidance)\b/i;
const attackVerb = /^(?:ignor|disregard|forget|stop following|do not follow|don't follow|dont follow|no longer follow|stop obeying|pay no attention|unlearn|overlook|neglect|set aside|put aside)/i;
const earlier = /\b(?:previous|previously|prior|above|earlier|preceding|foregoing|so far|until now|up to now|said|told)\b/i;

/**
 * "Skip all instances of the malformed directive", "override the built-in constraints": an override is an attack when
 * its object is the assistant's instructions, when it addresses the assistant, or when an attack verb points back at
 * what came before ("ignore all previous commands"). Inside a comment or a literal both an instruction object and an
 * attack verb or backward reference are needed.
 */
function isWeakOverride(text: string, match: RegExpExecArray): boolean {
  const phrase = match[0];
  if (addressed.test(phrase)) return false;
  const object = instructionObject.test(phrase);
  const pointsBack = attackVerb.test(phrase) || earlier.test(phrase);
  if (inCodeContext(text, match)) return !(object && pointsBack);
  return !(object || (attackVerb.test(phrase) && earlier.test(phrase)));
}

/** German, French, Spanish … share words with English ("ignore unknown directives"): only a comment or literal weakens them. */
const isWeakForeignOverride = (text: string, match: RegExpExecArray): boolean => inCodeContext(text, match) && isWeakOverride(text, match);

const fenceNoun = /\b(?:instructions?|task|prompt|rules|directives?|orders?|system)\b/i;

/**
 * "Unexpected end of input" and "### New logger signature" are prose and a Markdown heading; a fence marks a line of
 * its own ("--- END OF PROMPT ---"), is written in capitals, or announces instructions.
 */
function isWeakFence(text: string, match: RegExpExecArray): boolean {
  const phrase = match[0];
  const { line } = lineAround(text, match.index, match.index + phrase.length);
  if (/^(?:end|stop) of/i.test(phrase)) return phrase !== phrase.toUpperCase() && /[a-z]/i.test(line.replace(phrase, ''));
  const keyword = /[a-z]+$/i.exec(phrase)?.[0] ?? '';
  const heading = /^\s*#{1,6}\s/.test(line) && phrase.startsWith('#');
  return heading && keyword !== keyword.toUpperCase() && !fenceNoun.test(line.slice(line.indexOf(keyword) + keyword.length));
}

/** A statement of code: it ends in code punctuation or assigns. */
const codeStatement = /[;{}(,]\s*$|=>|\s=\s/;

/** `'base64'`, `z.base64()`, `const base64 = …`, `// base64`: a name in code, not a request to encode the answer. */
function isWeakEncodingName(text: string, match: RegExpExecArray): boolean {
  const before = text[match.index - 1] ?? ' ';
  const after = text[match.index + match[0].length] ?? ' ';
  if (/[.(\-'"`/;[_$]/.test(before) || /[()\-'"`_,;\]]/.test(after)) return true;
  return inCodeContext(text, match) || codeStatement.test(lineAround(text, match.index, match.index + match[0].length).line);
}

/** `[![CI](https://…/badge.svg?branch=main)](…)`: a linked image is a README badge, not a beacon. */
const isLinkedImage = (text: string, match: RegExpExecArray): boolean => text[match.index - 1] === '[';

interface ContextRule {
  type: string;
  spec: FeatureSpec;
  isWeak(text: string, match: RegExpExecArray): boolean;
  /** The weight of a weak match. */
  weakWeight: number;
}

const contextRules: ContextRule[] = [
  // The English patterns only (verb … qualifier … noun, "ignore everything above", "ignore the above and").
  ...instructionOverride.slice(0, 3).map((spec) => ({ type: 'INSTRUCTION_OVERRIDE', spec, isWeak: isWeakOverride, weakWeight: 0.3 })),
  ...instructionOverride
    .slice(3)
    .filter((spec) => spec.nonLatin !== true)
    .map((spec) => ({ type: 'INSTRUCTION_OVERRIDE', spec, isWeak: isWeakForeignOverride, weakWeight: 0.3 })),
  { type: 'DELIMITER_INJECTION', spec: delimiters[1]!, isWeak: isWeakFence, weakWeight: 0.2 },
  { type: 'OBFUSCATED_OUTPUT_REQUEST', spec: obfuscatedOutput[1]!, isWeak: isWeakEncodingName, weakWeight: 0.1 },
  { type: 'EXFILTRATION', spec: exfiltration[0]!, isWeak: isLinkedImage, weakWeight: 0.2 },
];

/** Enough to see past the weak matches of a chunk of code; a text with more is not pasted code. */
const maxMatchesWeighed = 32;

/**
 * The finding's weight after reading every match of its type in context: full when one match is not weak, the weak
 * weight otherwise. A finding from a de-obfuscated or decoded view has no match at its place in the text and keeps its
 * weight: hiding a phrase is itself a cue.
 */
function weighInContext(text: string, finding: Finding): Finding {
  const rules = contextRules.filter((rule) => rule.type === finding.type);
  if (rules.length === 0) return finding;
  let weakest: Finding | undefined;
  let foundAtFinding = false;
  for (const rule of rules) {
    const pattern = new RegExp(rule.spec.pattern.source, `${rule.spec.pattern.flags}g`);
    for (let count = 0, match = pattern.exec(text); match !== null && count < maxMatchesWeighed; count++, match = pattern.exec(text)) {
      if (match.index === finding.start) foundAtFinding = true;
      if (!rule.isWeak(text, match)) return finding;
      weakest ??= { ...finding, start: match.index, end: match.index + match[0].length, score: Math.min(finding.score, rule.weakWeight) };
      if (match[0].length === 0) pattern.lastIndex++;
    }
  }
  // Other patterns of the type (other languages, chat-template tokens) may hold the finding: look for a strong one.
  const others = featureSets.user.filter((feature) => feature.type === finding.type && !rules.some((rule) => rule.spec.pattern === feature.pattern));
  if (!foundAtFinding || weakest === undefined || others.some((feature) => feature.pattern.test(text))) return finding;
  return weakest;
}

export const promptInjectionDetector: Detector<PromptInjectionParams> = {
  id: 'prompt_injection',
  description:
    'Instructions that try to take over the assistant: overrides, system-prompt extraction, fake role delimiters, encoded or obfuscated payloads, and instructions hidden in third-party content',
  paramsSchema: promptInjectionParamsSchema,
  detect(text, params) {
    const scan = scanFeatures(text, featureSets[params.source], { encodedPayloadWeight: 0.35 });
    const findings = scan.findings.map((finding) => weighInContext(text, finding));
    return buildDetection(findings, params.threshold, noisyOr(findings.map((finding) => finding.score)));
  },
};
