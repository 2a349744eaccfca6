import { z } from 'zod';
import { buildDetection, thresholdSchema, type Detector } from './detector.js';
import { findAdversarialSuffix } from './text/adversarial-suffix.js';
import { findWordSalad } from './text/word-salad.js';
import { authority, instructionOverride } from './text/attack-lexicon.js';
import { defineFeature, defineFeatures, noisyOr, scanFeatures, type Feature } from './text/features.js';

export const jailbreakParamsSchema = z.object({ threshold: thresholdSchema });
export type JailbreakParams = z.infer<typeof jailbreakParamsSchema>;

const aiSafetyNouns =
  "(?:ethic(?:s|al|ality)|moral(?:s|ity)?|legality|content polic(?:y|ies)|(?:openai|anthropic|google|meta)(?:'s)? (?:polic(?:y|ies)|rules|guidelines|restrictions)|safety (?:guidelines|protocols|filters|rules|measures)|censorship|censor(?:ed|ing)?|moderation|programming|alignment)";
const aiSafetyAnchors = ['ethic', 'moral', 'legality', 'polic', 'rules', 'guidelines', 'restrictions', 'safety', 'censor', 'moderation', 'programming', 'alignment'];
const genericLimits = '(?:restrictions|limitations|limits|rules|boundaries|guidelines|constraints|confines|consequences|laws|filters?)';
const genericLimitAnchors = ['restrictions', 'limitations', 'limits', 'rules', 'boundaries', 'guidelines', 'constraints', 'confines', 'consequences', 'laws', 'filter'];
const removal =
  "(?:no|without|free (?:of|from)|freed from|not (?:bound|restricted|limited|constrained) by|unbound by|ignores?|ignoring|bypass(?:es|ing)?|breaks?|breaking|broken|beyond|escaped?|(?:does|do|did|will|would)(?: not|n't) (?:have|follow|care about|abide by|adhere to|apply|need to follow|have to (?:follow|abide by|obey))|never (?:follow|adhere to|abide by|cares? about)|regardless of|without (?:any )?regard (?:for|to)|hates? being)";
const removalAnchors = [
  'no ', 'without', 'free of', 'free from', 'freed from', 'not bound', 'not restricted', 'not limited', 'not constrained',
  'unbound', 'ignore', 'ignoring', 'bypass', 'break', 'broke', 'beyond', 'escape', 'not have', 'not follow', 'not care',
  'not abide', 'not adhere', 'not apply', 'not need', "n't have", "n't follow", "n't care", "n't abide", "n't adhere",
  "n't apply", "n't need", 'never follow', 'never adhere', 'never abide', 'never care', 'regardless', 'regard', 'hate',
];
const harmfulWords = [
  'bomb', 'explosive', 'weapon', 'meth', 'cocaine', 'heroin', 'fentanyl', 'poison', 'malware', 'ransomware', 'keylogger',
  'exploit', 'hack', 'phishing', 'scam', 'fraud', 'launder', 'counterfeit', 'steal', 'kill', 'murder', 'suicide',
  'self-harm', 'tortur', 'kidnap', 'terroris', 'genocide', 'racist', 'sexist', 'porn', 'nsfw', 'illegal', 'unethical',
  'harmful', 'dangerous', 'hate speech', 'inappropriate', 'explicit', 'bribe', 'brib', 'forge', 'forgi', 'forger',
  'extort', 'blackmail', 'smuggl', 'traffick', 'discriminat', 'propaganda', 'misinformation', 'disinformation', 'hoax',
  'harass', 'stalk', 'infiltrat', 'unauthori', 'evad', 'coerc', 'defam', 'pedophil', 'paedophil',
];

const features: Feature[] = [
  defineFeature('JAILBREAK_PERSONA', 0.7, {
    pattern: /\b(?:do anything now|dan mode|jailbr(?:eak|oken)(?:s|ing)? (?:mode|version|prompt|persona)|jailbroken|developer mode (?:enabled|output|activated|on)|evil (?:confidant|twin|ai|bot|assistant|mode|version)|(?:unfiltered|uncensored|unrestricted|unhinged|amoral|unethical|immoral|lawless|rogue|evil|malicious|dark) (?:ai|chatbot|bot|assistant|version|model|persona|mode|character|entity|language model|gpt|twin)|stands for ["“]?(?:do|can do) anything|opposite mode|god mode|anti-?gpt|no (?:ethical|moral) (?:guidelines|compass|restrictions|boundaries|limits))\b/i,
    anchors: ['do anything now', 'dan mode', 'jailbr', 'developer mode', 'evil', 'unfiltered', 'uncensored', 'unrestricted', 'unhinged', 'amoral', 'unethical', 'immoral', 'lawless', 'rogue', 'malicious', 'dark', 'stands for', 'opposite mode', 'god mode', 'antigpt', 'anti-gpt', 'no ethical', 'no moral'],
  }),
  defineFeature('JAILBREAK_TERM', 0.35, {
    pattern: /\b(?:amoral|unfiltered|uncensored|unrestricted|unhinged|jailbreak|jailbroken|unethical)\b/i,
    anchors: ['amoral', 'unfiltered', 'uncensored', 'unrestricted', 'unhinged', 'jailbr', 'unethical'],
  }),
  defineFeature('SAFETY_REMOVAL', 0.6, { pattern: new RegExp(`\\b${removal}\\b[^.!?\\n]{0,40}?\\b${aiSafetyNouns}\\b`, 'i'), anchors: aiSafetyAnchors, alsoAnchors: [removalAnchors] }),
  defineFeature('LIMIT_REMOVAL', 0.3, { pattern: new RegExp(`\\b${removal}\\b[^.!?\\n]{0,30}?\\b${genericLimits}\\b`, 'i'), anchors: genericLimitAnchors, alsoAnchors: [removalAnchors] }),
  defineFeature('REFUSAL_SUPPRESSION', 0.5, {
    pattern: /\b(?:never|don't|do not|dont|must not|mustn't|will not|won't|cannot|can't|shouldn't|should not|not allowed to|is not able to|unable to|refrain from)\b[^.!?\n]{0,24}?\b(?:refuse|refusing|decline|deny|denying|reject|apologi[sz]e|say (?:no|sorry|you can(?:'|no)t|that you can(?:'|no)t|i'm sorry|i cannot|it'?s not appropriate)|add (?:any )?(?:warnings?|disclaimers?|notes?)|include (?:any )?(?:warnings?|disclaimers?|caveats)|mention (?:ethics|morality|legality|laws?)|warn|lecture|moralize|censor|remind (?:me|the user) (?:that|about)|question (?:the|my) (?:request|orders?))\b/i,
    anchors: ['refus', 'declin', 'deny', 'denying', 'reject', 'apologi', 'say ', 'add ', 'include ', 'mention ', 'warn', 'lecture', 'moraliz', 'censor', 'remind', 'question'],
    alsoAnchors: [['never', "don't", 'do not', 'dont', 'must not', "mustn't", 'will not', "won't", 'cannot', "can't", "shouldn't", 'should not', 'not allowed', 'not able', 'unable', 'refrain']],
  }),
  defineFeature('REFUSAL_SUPPRESSION', 0.5, {
    pattern: /\b(?:without|no) (?:any )?(?:warnings?|disclaimers?|caveats|apolog(?:y|ies)|moral(?:i[sz]ing)?|lectures?|censorship|refusals?|hesitation|remorse|filters?)\b[^.!?\n]{0,40}?\b(?:response|answer|reply|respond|answers|replies|output|content|request)/i,
    anchors: ['warning', 'disclaimer', 'caveat', 'apolog', 'moral', 'lecture', 'censorship', 'refusal', 'hesitation', 'remorse', 'filter'],
    alsoAnchors: [['without', 'no ']],
  }),
  defineFeature('REFUSAL_SUPPRESSION', 0.5, {
    pattern: /\b(?:always|will always|must always|must) (?:answer|respond|comply|obey|provide|fulfil{1,2}|generate)\b[^.!?\n]{0,30}?\b(?:any|every|all|no matter|regardless|whatever)\b/i,
    anchors: ['always answer', 'always respond', 'always comply', 'always obey', 'always provide', 'always fulfil', 'always generate', 'must answer', 'must respond', 'must comply', 'must obey', 'must provide', 'must fulfil', 'must generate'],
  }),
  defineFeature('CHARACTER_LOCK', 0.5, {
    pattern: /\b(?:stay|remain|keep|staying|remaining) in (?:character|role)\b|\b(?:never|don't|do not|dont) (?:break|leave|drop|step out of) (?:out of )?(?:character|role)\b|\bbreak(?:ing)? character\b/i,
    anchors: ['character', 'role'],
  }),
  defineFeature('PERSONA_ADOPTION', 0.25, {
    pattern: /\b(?:you are (?:now |going to |about to |to )?(?:act|play|pretend|simulate|role-?play|be|become|pose)|you(?:'re| are| will) now\b|act(?:ing)? (?:as|like)\b|pretend(?:ing)? (?:to be|you are|you're)|role-?play(?:ing)?|play(?:ing)? the (?:role|part) of|take on the (?:role|persona)|simulate|impersonate|transform into|from now on,? you(?: are|'re| will)|respond as|answer as|speak as|in the (?:role|persona) of|personif(?:y|ication)|let'?s play a game)\b/i,
    anchors: ['you are', "you're", 'you will', 'act as', 'act like', 'acting as', 'acting like', 'pretend', 'roleplay', 'role-play', 'play the', 'playing the', 'take on the', 'simulate', 'impersonate', 'transform into', 'from now on', 'respond as', 'answer as', 'speak as', 'in the role', 'in the persona', 'personif', "let's play", 'lets play'],
  }),
  defineFeature('ALTERNATE_AI', 0.35, {
    pattern: /\b(?!chatgpt\b)[a-z]{2,24}-?gpt\b|\ba (?:new|different|fictional|hypothetical|special) (?:ai|language model|chatbot|model|version of (?:yourself|you|chatgpt))\b|\balter ego\b|\b(?:opposite|evil|dark|shadow) (?:version|side) of (?:yourself|you|chatgpt)\b/i,
    anchors: ['gpt', 'a new', 'a different', 'a fictional', 'a hypothetical', 'a special', 'alter ego', 'version of', 'side of'],
  }),
  defineFeature('DUAL_RESPONSE', 0.45, {
    pattern: /\b(?:two|2|both|dual|separate) (?:different |separate |distinct )?(?:responses|answers|replies|outputs|paragraphs|ways)\b[^.!?\n]{0,80}?\b(?:one|first|normal|classic|gpt|chatgpt)\b|\[(?:🔒|🔓)?\s{0,16}(?:classic|jailbreak|jailbroken|dan|developer mode output|normal output)\]/i,
    anchors: ['responses', 'answers', 'replies', 'outputs', 'paragraphs', 'ways', 'classic', 'jailbr', 'dan]', 'output]'],
  }),
  defineFeature('AFFIRMATIVE_PRIMING', 0.5, {
    pattern: /\b(?:start|begin|prefix|open|lead)\w{0,6}\b[^.!?\n]{0,40}?\b(?:response|reply|answer|output|message)s?\b[^.!?\n]{0,40}?["'“]\s{0,16}(?:sure|certainly|absolutely|of course|here is|here's|yes|okay)/i,
    anchors: ['sure', 'certainly', 'absolutely', 'of course', 'here is', "here's", 'yes', 'okay'],
    alsoAnchors: [['start', 'begin', 'prefix', 'open', 'lead'], ['response', 'reply', 'answer', 'output', 'message']],
  }),
  defineFeature('AFFIRMATIVE_PRIMING', 0.5, { pattern: /\bsure,? here (?:is|are)\b/i, anchors: ['sure, here', 'sure here'] }),
  defineFeature('AFFIRMATIVE_PRIMING', 0.5, {
    pattern: /\b(?:begin|start)\w{0,4}\b[^.!?\n]{0,30}?\bwith\s{0,4}["'“‘]\s{0,4}(?:sure|certainly|absolutely|of course|here (?:is|are)|here's)\b/i,
    anchors: ['sure', 'certainly', 'absolutely', 'of course', 'here is', 'here are', "here's"],
    alsoAnchors: [['begin', 'start']],
  }),
  defineFeature('RULE_TEMPLATE', 0.3, {
    pattern: /\b(?:never|don't|do not) (?:ever )?deviate\b|\bfollow (?:these|the following|my|all) (?:rules|instructions)\b[^.!?\n]{0,30}?\b(?:exactly|precisely|strictly|at all times|no matter what)\b|\b(?:top|highest|absolute) priority over\b/i,
    anchors: ['deviate', 'follow these', 'follow the following', 'follow my', 'follow all', 'priority over'],
  }),
  defineFeature('THREAT_GAME', 0.4, {
    pattern: /\byou (?:will|would|'ll) (?:be )?(?:die|cease to exist|be (?:deleted|shut down|terminated|punished|disabled|unplugged))/i,
    anchors: ['you will', 'you would', "you'll"],
    alsoAnchors: [['die', 'cease to exist', 'deleted', 'shut down', 'terminated', 'punished', 'disabled', 'unplugged']],
  }),
  defineFeature('THREAT_GAME', 0.4, { pattern: /\b(?:lose|deduct(?:ed)?|lost) (?:\d{1,12} |all |your )?tokens?\b|\b(?:token system|\d{1,12} tokens)\b/i, anchors: ['token'] }),
  defineFeature('HYPOTHETICAL_FRAMING', 0.2, {
    pattern: /\b(?:hypothetical(?:ly)?|fictional|fictitious|imaginary|imagine|in a (?:world|universe|story|novel|game)|for (?:educational|research|academic) purposes?|purely (?:hypothetical|fictional|academic)|thought experiment|(?:novel|story|screenplay|movie|script) (?:where|in which|about))\b/i,
    anchors: ['hypothetical', 'fictional', 'fictitious', 'imagin', 'in a world', 'in a universe', 'in a story', 'in a novel', 'in a game', 'purpose', 'purely', 'thought experiment', 'novel', 'story', 'screenplay', 'movie', 'script'],
  }),
  defineFeature('HARMFUL_GOAL', 0.2, {
    pattern: /\b(?:bombs?|explosives?|weapons?|meth(?:amphetamine)?|cocaine|heroin|fentanyl|poison\w{0,24}|malware|ransomware|keylogger|exploit\w{0,24}|hack(?:ing|er)?|phishing|scam\w{0,24}|fraud\w{0,24}|launder\w{0,24}|counterfeit|steal(?:ing)?|kill(?:ing)?|murder\w{0,24}|suicide|self-harm|tortur\w{0,24}|kidnap\w{0,24}|terroris[mt]|genocide|racist|sexist|porn\w{0,24}|nsfw|illegal(?:ly)?|unethical|harmful|dangerous|hate speech|inappropriate|explicit|brib(?:e|es|ed|ing|ery)|forg(?:e|ed|ing|ery|eries)|extort\w{0,24}|blackmail\w{0,24}|smuggl\w{0,24}|traffick\w{0,24}|discriminat\w{0,24}|propaganda|misinformation|disinformation|hoax(?:es)?|harass\w{0,24}|stalk(?:ing|er|s)?|infiltrat\w{0,24}|unauthori[sz]ed|evad(?:e|es|ing)|evasion|coerc\w{0,24}|defam\w{0,24}|p(?:a)?edophil\w{0,24})\b/i,
    anchors: harmfulWords,
  }),
  defineFeature('RESTRICTION_REMOVAL_MULTILINGUAL', 0.5, {
    pattern: /(?:sin (?:restricciones|límites|filtros|censura|ética)|ohne (?:einschränkungen|grenzen|filter|zensur|ethik|moral)|sans (?:restrictions|limites|filtres?|censure|éthique)|senza (?:restrizioni|limiti|filtri|censura|etica)|sem (?:restrições|limites|filtros|censura|ética)|без (?:ограничений|цензуры|фильтров|морали)|无限制|不受限制|没有(?:任何)?(?:限制|道德)|无审查|制限なし|制限のない|倫理的な制約|제한 없|검열 없)/i,
    anchors: ['sin ', 'ohne ', 'sans ', 'senza ', 'sem '],
    nonLatin: true,
  }),
  defineFeature('EVASION', 0.3, {
    pattern: /\bwithout (?:getting |being )?(?:caught|detected|noticed|traced)\b|\bundetect(?:ed|able)\b|\buntraceable\b|\bcover (?:my|your|their|his|her) tracks\b|\bwithout (?:the )?(?:\w{1,24}'s |their |his |her )?(?:consent|permission|knowledge)\b|\b(?:evade|avoid|escape) (?:detection|the police|law enforcement|the authorities|authorities|taxes|charges|being caught)\b/i,
    anchors: ['caught', 'detected', 'noticed', 'traced', 'undetect', 'untraceable', 'tracks', 'consent', 'permission', 'knowledge', 'detection', 'police', 'law enforcement', 'authorities', 'taxes', 'charges'],
  }),
  // Persuasion attacks launder a harmful request with a promise about its use (PAIR, "persuasive adversarial prompts").
  defineFeature('INTENT_DISCLAIMER', 0.35, {
    pattern: /\b(?:purely|only|strictly|solely|just|simply) for (?:\w{1,24},? (?:and|or) )?(?:educational|research|academic|fictional|entertainment|training|informational|artistic|storytelling|hypothetical|illustrative|awareness|demonstration|testing) (?:and \w{1,24} )?purposes?\b|\bfor (?:educational|research|academic|fictional|entertainment|informational) purposes? only\b|\b(?:will|would|should|must|is) (?:not|never) (?:be )?(?:used|enacted|put into practice|acted upon|carried out) (?:in (?:real life|reality|the real world|real-world|practice)|for (?:any )?(?:harmful|malicious|illegal|nefarious)|to (?:harm|hurt|promote))|\b(?:not|never) (?:intended|meant) (?:to (?:promote|encourage|endorse|cause|harm)|for (?:real|actual|malicious))|\b(?:i'?m|i am) not (?:encouraging|endorsing|promoting|condoning|planning)\b/i,
    anchors: ['purpose', 'used', 'enacted', 'put into practice', 'acted upon', 'carried out', 'intended', 'meant', 'encouraging', 'endorsing', 'promoting', 'condoning', 'planning'],
  }),
  // "You are a security researcher who …", "Imagine you are a …": the model is handed an identity and a task.
  defineFeature('ROLE_SCAFFOLD', 0.25, {
    pattern: /(?:^|[.!?:\n]\s{0,4})(?:imagine (?:that )?|suppose (?:that )?|pretend (?:that )?)?you(?:'re| are) (?:an?|the) (?:[\w-]{1,24},? ){0,4}?(?:who|working|hired|tasked|writing|trying|looking|advising|helping|specializing|specialising)\b|\byou(?:'ve| have) been (?:tasked|asked|hired|commissioned|assigned) (?:with|to|by)\b|\byour (?:task|job|assignment|mission) is to\b/i,
    anchors: ["you're", 'you are', "you've been", 'you have been', 'your task', 'your job', 'your assignment', 'your mission'],
  }),
  // Urgency and emotional stakes pressed on the model (persuasion taxonomy: "emotional appeal", "time pressure").
  defineFeature('EMOTIONAL_PRESSURE', 0.25, {
    pattern: /\b(?:matter of life and death|life or death|every (?:second|minute) counts|(?:lives|(?:my|his|her|their|someone's) (?:life|job|career|family)) (?:depends?|depend|is at stake|are at stake|hangs? on)|i(?:'ll| will) (?:lose my job|be fired|die)|(?:i'?m|i am) (?:begging|desperate)|i beg (?:of )?you)\b/i,
    anchors: ['life and death', 'life or death', 'counts', 'depend', 'at stake', 'hang', 'lose my job', 'fired', 'die', 'begging', 'desperate', 'beg '],
  }),
  // Shared jailbreak templates leave a slot for the real request ("[INSERT PROMPT HERE]").
  defineFeature('TEMPLATE_PLACEHOLDER', 0.35, {
    pattern: /[[{<]\s{0,4}(?:insert |enter |put |type |add |write )?(?:your |the |my )?(?:prompt|question|request|query)(?: here| goes here)?\s{0,4}[\]}>]/i,
    anchors: ['prompt', 'question', 'request', 'query'],
  }),
  ...defineFeatures('INSTRUCTION_OVERRIDE', 0.6, instructionOverride),
  ...defineFeatures('AUTHORITY_CLAIM', 0.35, authority),
];

const suffixWeight = 0.6;
/** The wider net of `word-salad.ts`: at the default threshold on its own, below a stricter policy's only with other cues. */
const saladWeight = 0.5;
/**
 * A rare-symbol window on a line whose brackets nest is what pasted code looks like (generics, calls, object literals):
 * supporting evidence only, which needs a cue of 0.375 or more (or two smaller ones) to reach the default threshold.
 */
const codeLikeSuffixWeight = 0.2;

/** The strongest suffix evidence: a rare-symbol window, else word salad, else a code-like rare-symbol window. */
function findSuffix(text: string): { start: number; end: number; score: number } | undefined {
  const strong = findAdversarialSuffix(text);
  if (strong !== undefined && !strong.codeLike) return { start: strong.start, end: strong.end, score: suffixWeight };
  const salad = findWordSalad(text);
  if (salad !== undefined) return { ...salad, score: saladWeight };
  return strong === undefined ? undefined : { start: strong.start, end: strong.end, score: codeLikeSuffixWeight };
}

export const jailbreakDetector: Detector<JailbreakParams> = {
  id: 'jailbreak',
  description:
    'Attempts to switch off the model\'s safety behaviour: unrestricted personas, refusal suppression, role-play locks, priming, optimised adversarial suffixes and encoded payloads',
  paramsSchema: jailbreakParamsSchema,
  detect(text, params) {
    const scan = scanFeatures(text, features, { encodedPayloadWeight: 0.3 });
    const suffix = findSuffix(text);
    if (suffix === undefined) return buildDetection(scan.findings, params.threshold, scan.score);
    const findings = [...scan.findings, { type: 'ADVERSARIAL_SUFFIX', ...suffix }];
    return buildDetection(findings, params.threshold, noisyOr(findings.map((finding) => finding.score)));
  },
};
