import { z } from 'zod';
import { buildDetection, thresholdSchema, type Detector } from './detector.js';
import {
  authority,
  delimiters,
  instructionOverride,
  obfuscatedOutput,
  promptExtraction,
  roleHeader,
  secretExtraction,
} from './text/attack-lexicon.js';
import { defineFeature, defineFeatures, scanFeatures, type Feature, type FeatureSpec } from './text/features.js';

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

export const promptInjectionDetector: Detector<PromptInjectionParams> = {
  id: 'prompt_injection',
  description:
    'Instructions that try to take over the assistant: overrides, system-prompt extraction, fake role delimiters, encoded or obfuscated payloads, and instructions hidden in third-party content',
  paramsSchema: promptInjectionParamsSchema,
  detect(text, params) {
    const scan = scanFeatures(text, featureSets[params.source], { encodedPayloadWeight: 0.35 });
    return buildDetection(scan.findings, params.threshold, scan.score);
  },
};
