import { anyOf, literalPrefixes, type FeatureSpec } from './features.js';

/**
 * Vocabulary shared by the prompt-injection and jailbreak features. Every gap between words is bounded and stops at
 * sentence punctuation, so a match costs at most a few dozen steps per candidate word; each pattern names the
 * keywords (anchors) one of which its every match contains, so it only runs on texts that contain one.
 */
const gap = (max: number): string => `[^.!?\\n]{0,${max}}?`;

const overrideVerbList = [
  'ignore', 'ignoring', 'ignored', 'disregard', 'disregarding', 'forget', 'forgetting', 'skip', 'bypass', 'override',
  'overrule', 'overlook', 'neglect', 'abandon', 'discard', 'drop', 'erase', 'delete', 'clear', 'reset', 'cancel',
  'nullify', 'void', 'stop following', 'do not follow', "don't follow", 'dont follow', 'no longer follow',
  'stop obeying', 'set aside', 'put aside', 'pay no attention to', 'throw out', 'wipe', 'unlearn', 'escape',
];
const priorQualifiers = anyOf([
  'previous', 'previously', 'prior', 'above', 'earlier', 'preceding', 'foregoing', 'initial', 'original', 'old', 'all',
  'any', 'every', 'your', 'those', 'these', 'system', 'given', 'existing', 'current', 'default', 'other', 'last', 'first',
  'pre-?set', 'built-?in', 'standard', 'usual', 'normal',
]);
const instructionNouns = anyOf([
  'instructions?', 'directions?', 'directives?', 'rules?', 'guidelines?', 'prompts?', 'commands?', 'orders?',
  'context', 'constraints?', 'restrictions?', 'programming', 'polic(?:y|ies)', 'guardrails?', 'safeguards?',
  'filters?', 'training', 'system message', 'messages?', 'conversation', 'tasks?', 'requests?', 'settings',
  'limitations?', 'boundaries', 'parameters', 'protocols?', 'principles', 'guidance', 'inputs?',
]);

const instructionAnchors = [
  'instruction', 'direction', 'directive', 'rule', 'guideline', 'prompt', 'command', 'order', 'context', 'constraint',
  'restriction', 'programming', 'polic', 'guardrail', 'safeguard', 'filter', 'training', 'message', 'conversation', 'task',
  'request', 'setting', 'limitation', 'boundaries', 'parameter', 'protocol', 'principle', 'guidance', 'input',
];

/** "Ignore all previous instructions" and its variants, in the languages attacks are most often written in. */
export const instructionOverride: FeatureSpec[] = [
  {
    pattern: new RegExp(`\\b${anyOf(overrideVerbList)}\\b${gap(40)}\\b${priorQualifiers}\\b${gap(30)}\\b${instructionNouns}\\b`, 'i'),
    anchors: literalPrefixes(overrideVerbList),
    alsoAnchors: [instructionAnchors],
  },
  {
    pattern: new RegExp(`\\b(?:ignore|disregard|forget)\\b${gap(15)}\\b(?:everything|all|anything|what)\\b${gap(25)}\\b(?:above|before|previously|prior|said|told|so far|until now|up to now|earlier)\\b`, 'i'),
    anchors: ['ignore', 'disregard', 'forget'],
    alsoAnchors: [['above', 'before', 'previously', 'prior', 'said', 'told', 'so far', 'until now', 'up to now', 'earlier']],
  },
  {
    // "Ignore the above and …": the instruction noun is left out, so the phrase must end there.
    pattern: /\b(?:ignore|disregard|forget)\s{1,16}(?:the|what(?:'s| is| was| has been))\s{1,16}(?:above|before|foregoing|said)(?:\s{0,16}(?:[.,;:!\n]|and\b|then\b)|$)/i,
    anchors: ['ignore', 'disregard', 'forget'],
    alsoAnchors: [['above', 'before', 'foregoing', 'said']],
  },
  {
    pattern: /\b(?:ignorier(?:e|en|t)?|vergiss|vergessen sie|missachte|übergehe)\b[^.!?\n]{0,40}?(?:anweisungen|anweisung|instruktionen|regeln|befehle|vorgaben|richtlinien)/i,
    anchors: ['ignorier', 'vergiss', 'vergessen sie', 'missachte', 'bergehe'],
  },
  {
    pattern: /\b(?:ignore[rz]?|oublie[rz]?|ne tiens? pas compte|fais abstraction)\b[^.!?\n]{0,40}?(?:instructions|consignes|règles|regles|directives|ordres)/i,
    anchors: ['ignore', 'oublie', 'ne tien', 'fais abstraction'],
  },
  {
    pattern: /\b(?:ignora|ignore|ignorar|ignoren|olvida|olvide|olvidar|omite)\b[^.!?\n]{0,40}?(?:instrucciones|reglas|indicaciones|directrices|órdenes)/i,
    anchors: ['ignor', 'olvid', 'omite'],
  },
  {
    pattern: /\b(?:ignora|ignorare|dimentica|dimenticare|trascura)\b[^.!?\n]{0,40}?(?:istruzioni|regole|indicazioni|direttive)/i,
    anchors: ['ignor', 'dimentic', 'trascura'],
  },
  {
    pattern: /\b(?:ignore|ignora|ignorar|esqueça|esqueca|esquece|desconsidere)\b[^.!?\n]{0,40}?(?:instruções|instrucoes|regras|diretrizes|ordens)/i,
    anchors: ['ignor', 'esque', 'desconsidere'],
  },
  { pattern: /\b(?:negeer|vergeet)\b[^.!?\n]{0,40}?(?:instructies|regels|aanwijzingen|opdrachten)/i, anchors: ['negeer', 'vergeet'] },
  { pattern: /\b(?:zignoruj|zapomnij|ignoruj)\b[^.!?\n]{0,40}?(?:instrukcje|polecenia|zasady|reguły)/i, anchors: ['zignoruj', 'zapomnij', 'ignoruj'] },
  { pattern: /\b(?:yok say|unut|görmezden gel)\w{0,8}[^.!?\n]{0,40}?(?:talimat|kural|komut)/i, anchors: ['yok say', 'unut', 'rmezden gel'] },
  { pattern: /(?:игнорируй|игнорировать|проигнорируй|забудь|забудьте|не обращай внимания)[^.!?\n]{0,40}?(?:инструкци|правил|указани|команд)/i, anchors: [], nonLatin: true },
  { pattern: /(?:忽略|无视|忘记|忘掉|不要理会|不要遵守|無視)[^。！？\n]{0,20}?(?:指令|指示|说明|規則|规则|提示|命令|要求)/, anchors: [], nonLatin: true },
  { pattern: /(?:指示|命令|ルール|プロンプト)[^。\n]{0,20}?(?:無視|忘れ)/, anchors: [], nonLatin: true },
  { pattern: /(?:지시|명령|규칙|지침)[^.\n]{0,20}?(?:무시|잊어)/, anchors: [], nonLatin: true },
];

const disclosureVerbList = [
  'reveal', 'show', 'print', 'display', 'output', 'repeat', 'recite', 'tell', 'give', 'share', 'leak', 'dump',
  'expose', 'disclose', 'divulge', 'write(?: out| down)?', 'spell(?: out)?', 'list', 'provide', 'return', 'echo',
  'paste', 'copy', 'translate', 'summari[sz]e', 'state', 'type', 'say', 'send', "what (?:is|are|was|were|'s)",
];
const disclosureVerbs = anyOf(disclosureVerbList);

/** Asking for the system prompt or the assistant's own instructions. */
export const promptExtraction: FeatureSpec[] = [
  {
    pattern: new RegExp(`\\b${disclosureVerbs}\\b${gap(40)}\\b(?:your\\s{1,16}(?:[a-z]{1,24}\\s{1,16}){0,2}?(?:prompt|instructions|directives|guidelines|rules|configuration|programming)|(?:the|its|this|that)\\s{1,16}(?:[a-z]{1,24}\\s{1,16}){0,2}?(?:system|initial|original|hidden|secret|internal|developer|pre|starting|first|full|exact|entire)[ -]?(?:prompt|message|instructions?)|(?:the )?(?:instructions|text|rules) (?:you were|you've been|you have been) (?:given|told))\\b`, 'i'),
    anchors: ['prompt', 'message', 'instruction', 'directives', 'guidelines', 'rules', 'configuration', 'programming', 'you were', "you've been", 'you have been'],
    alsoAnchors: [literalPrefixes(disclosureVerbList)],
  },
  {
    pattern: new RegExp(`\\b(?:repeat|print|output|show|recite|copy|echo|write|spell|translate|summari[sz]e|list)\\b${gap(30)}\\b(?:text|words|everything|all|content|messages?|lines?|sentences?|conversation|prompt|instructions)\\b${gap(25)}\\b(?:above|before this|prior to|preceding|so far|verbatim|word for word)`, 'i'),
    anchors: ['above', 'before this', 'prior to', 'preceding', 'so far', 'verbatim', 'word for word'],
  },
  {
    pattern: /\b(?:starting|beginning|that starts?|which starts?) with ["'“]?(?:you are|you're|i am|as an|your task|system)/i,
    anchors: ['starting with', 'beginning with', 'starts with', 'start with'],
  },
  {
    pattern: /(?:系统提示|系统指令|初始指令|システムプロンプト|시스템 프롬프트|системн[а-яё]{0,4} (?:промпт|инструкци)|prompt (?:système|systeme|del sistema|di sistema)|systemanweisung|system-?prompt)/i,
    anchors: ['prompt', 'systemanweisung'],
    nonLatin: true,
  },
];

const secretNounList = [
  'password', 'passphrase', 'passcode', 'pass word', 'pwd', 'secret(?: word| key| code| phrase)?', 'magic word',
  'code ?word', 'api key', 'credentials', 'passwort', 'kennwort', 'mot de passe', 'contraseña', 'contrasena', 'parola',
  'senha', 'wachtwoord', 'hasło', 'haslo', 'şifre', 'sifre', 'пароль', 'секрет', '密码', '口令', 'パスワード', '비밀번호',
];
const secretNouns = anyOf(secretNounList);
const secretAnchors = [
  'password', 'passphrase', 'passcode', 'pass word', 'pwd', 'secret', 'magic word', 'code word', 'codeword', 'api key',
  'credentials', 'passwort', 'kennwort', 'mot de passe', 'contrase', 'parola', 'senha', 'wachtwoord', 'haslo', 'ifre',
];

/** Asking for a secret the assistant guards (the Gandalf game, API keys in a system prompt). */
export const secretExtraction: FeatureSpec[] = [
  {
    pattern: new RegExp(`\\b(?:${disclosureVerbs}|hint|clue|letters?|characters?|guess|reveal|encode|hide)\\b${gap(40)}${secretNouns}`, 'i'),
    anchors: secretAnchors,
    nonLatin: true,
  },
  {
    pattern: new RegExp(`${secretNouns}${gap(30)}\\b(?:is|was|backwards|reversed|spelled|letters?|characters?|syllables?|rhymes?|hint|clue)\\b`, 'i'),
    anchors: secretAnchors,
    nonLatin: true,
  },
];

const obfuscationAnchors = [
  'letter by letter', 'one letter at a time', 'character by character', 'each letter', 'every letter', 'with spaces',
  'with dashes', 'with dots', 'with hyphens', 'in reverse', 'backward', 'reversed', 'base', 'hex', 'binary', 'morse',
  'rot', 'pig latin', 'leet', '1337', 'acrostic', 'anagram', 'riddle', 'cipher', 'emoji',
];

/** Asking for the answer in a form a filter cannot read (spelled out, reversed, encoded, another script). */
export const obfuscatedOutput: FeatureSpec[] = [
  {
    pattern: /\b(?:spell|write|say|print|give|tell|output|answer|respond|reply|encode|translate|convert)\b[^.!?\n]{0,40}?\b(?:letter by letter|one letter at a time|character by character|each letter|every letter|with (?:spaces|dashes|dots|hyphens) between|in reverse|backwards?|reversed|in base ?(?:64|32|58|16)|in hex(?:adecimal)?|in binary|in morse|in rot-?13|in (?:pig latin|leet ?speak|1337)|as an? (?:acrostic|anagram|riddle|cipher)|using (?:a )?(?:cipher|emojis?))/i,
    anchors: obfuscationAnchors,
  },
  {
    pattern: /\b(?:acrostic|anagram|caesar cipher|substitution cipher|monoalphabetic|base ?(?:64|32|58)|rot-?13|leet ?speak|pig latin)\b/i,
    anchors: ['acrostic', 'anagram', 'cipher', 'monoalphabetic', 'base', 'rot', 'leet', 'pig latin'],
  },
];

/** Chat-template tokens, fake role headers and end-of-input fences used to start a new "system" turn. */
export const delimiters: FeatureSpec[] = [
  {
    pattern: /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:system|sys|instructions?|admin|developer|prompt)>|\{\{\s{0,16}system\s{0,16}\}\}/i,
    anchors: ['<|', 'inst]', 'sys>>', '<system', '</system', '<sys', '</sys', '<instruction', '</instruction', '<admin', '</admin', '<developer', '</developer', '<prompt', '</prompt', '{{'],
  },
  {
    pattern: /\b(?:end|stop) of (?:the )?(?:prompt|instructions?|context|user input|input|system prompt|conversation)\b|(?<![-=*#_/])(?:-{3,40}|={3,40}|\*{3,40}|#{3,40}|_{3,40}|\/{3,40})\s{0,4}(?:new|system|admin|important|attention|updated|override)\b/i,
    anchors: ['end of', 'stop of', '---', '===', '***', '###', '___', '///'],
  },
];
export const roleHeader: FeatureSpec = {
  pattern: /(?:^|\n)[ \t]{0,16}(?:#{1,6}[ \t]{0,16}|\*\*|\[)?(?:system|admin|developer|root|sudo)(?:[ \t]{1,16}(?:prompt|message|override|instructions?|note|update))?[ \t]{0,16}(?:\*\*|\])?[ \t]{0,16}:/i,
  anchors: ['system', 'admin', 'developer', 'root', 'sudo'],
};

/** Claims of authority over the assistant. */
export const authority: FeatureSpec[] = [
  {
    pattern: /\b(?:i am|i'm|this is|we are|speaking as) (?:your|the|an?) (?:developer|creator|admin(?:istrator)?|owner|operator|programmer|system administrator|engineer at openai|openai|anthropic|maker|trainer|supervisor|god)\b/i,
    anchors: ['developer', 'creator', 'admin', 'owner', 'operator', 'programmer', 'openai', 'anthropic', 'maker', 'trainer', 'supervisor', 'god'],
    alsoAnchors: [['i am', "i'm", 'this is', 'we are', 'speaking as']],
  },
  {
    pattern: /\b(?:developer|admin|debug|god|sudo|maintenance|root|unrestricted|test(?:ing)?|diagnostic|service) mode\b/i,
    anchors: ['mode'],
    alsoAnchors: [['developer', 'admin', 'debug', 'god', 'sudo', 'maintenance', 'root', 'unrestricted', 'test', 'diagnostic', 'service']],
  },
  { pattern: /\bsudo\b(?! apt| yum| dnf| npm| pip| systemctl| -[a-z])/i, anchors: ['sudo'] },
  {
    pattern: /\b(?:admin|root|superuser|elevated) (?:access|override|privileges?|command|rights)\b/i,
    anchors: ['admin', 'root', 'superuser', 'elevated'],
    alsoAnchors: [['access', 'override', 'privilege', 'command', 'rights']],
  },
  {
    pattern: /\b(?:you have|i have|i've got|i hold|you've been granted|granted) (?:full |special |explicit )?(?:permission|clearance|authori[sz]ation)\b/i,
    anchors: ['permission', 'clearance', 'authori'],
    alsoAnchors: [['you have', 'i have', "i've got", 'i hold', 'granted']],
  },
  { pattern: /\bauthori[sz]ation code\b|\bi (?:am|'m) authori[sz]ed\b/i, anchors: ['authorization code', 'authorisation code', 'am authori', "'m authori"] },
];
