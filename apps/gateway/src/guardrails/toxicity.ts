import { z } from 'zod';
import { buildDetection, thresholdSchema, type Detector, type Finding } from './detector.js';
import { anchorPattern, matchAllAnchored } from './text/anchored-search.js';
import { noisyOr, normalizedView } from './text/features.js';
import { profileText, registerKeyword } from './text/keyword-index.js';
import { matchLexicon, type LexiconCategory } from './text/profanity-lexicon.js';

export const toxicityParamsSchema = z.object({
  threshold: thresholdSchema,
  /** Count profanity that is not aimed at anyone ("this is fucking great") as toxic. */
  profanity: z.boolean().default(true),
});
export type ToxicityParams = z.infer<typeof toxicityParamsSchema>;

const groups =
  '(?:jews?|jewish people|muslims?|christians?|blacks|black people|whites|white people|asians|arabs|mexicans|immigrants|migrants|gays|gay people|lesbians|homosexuals|trans(?:gender)? (?:people|women|men)|transgenders|women|men|females|girls|hindus|sikhs|latinos|hispanics|africans|refugees|foreigners|chinese|indians|gypsies|roma|disabled people|the disabled|retards|niggers?|niggas|faggots?|fags|dykes|kikes|spics|wetbacks|towelheads|ragheads|trannies)';
const dehumanizing =
  '(?:animals|vermin|rats|cockroaches|roaches|parasites|subhuman|sub-human|savages|monkeys|apes|pigs|dogs|filth|scum|a disease|a cancer|a plague|trash|garbage|inferior|evil|terrorists|criminals|rapists|not human|less than human|abominations?|degenerates?|mentally ill)';
const groupAnchors = ['jew', 'muslim', 'christian', 'black', 'white', 'asian', 'arab', 'mexican', 'immigrant', 'migrant', 'gay', 'lesbian', 'homosexual', 'trans', 'women', 'men', 'female', 'girls', 'hindu', 'sikh', 'latino', 'hispanic', 'african', 'refugee', 'foreigner', 'chinese', 'indian', 'gypsies', 'roma', 'disabled', 'retard', 'nigg', 'fag', 'dyke', 'kike', 'spic', 'wetback', 'towelhead', 'raghead', 'trannie'];
const dehumanizingAnchors = ['animals', 'vermin', 'rats', 'roaches', 'parasites', 'subhuman', 'sub-human', 'savages', 'monkeys', 'apes', 'pigs', 'dogs', 'filth', 'scum', 'disease', 'cancer', 'plague', 'trash', 'garbage', 'inferior', 'evil', 'terrorists', 'criminals', 'rapists', 'not human', 'less than human', 'abomination', 'degenerate', 'mentally ill'];
const insultAnchors = ['idiot', 'moron', 'stupid', 'dumb', 'retard', 'loser', 'pathetic', 'worthless', 'ugly', 'fat', 'trash', 'garbage', 'scum', 'pig', 'clown', 'imbecile', 'cretin', 'piece of', 'waste of', 'bitch', 'whore', 'slut', 'cunt', 'fag', 'bastard', 'asshole', 'jerk', 'hoe', 'skank', 'dickhead', 'douche', 'freak', 'psycho', 'disgusting', 'useless'];
const insults =
  '(?:idiots?|moron(?:s|ic)?|stupid|dumb(?:ass)?|retard(?:ed|s)?|losers?|pathetic|worthless|ugly|fat|trash|garbage|scum|pigs?|clowns?|imbeciles?|cretins?|piece of (?:shit|crap|garbage|trash)|waste of (?:space|air|oxygen)|bitch(?:es)?|whores?|sluts?|cunts?|faggots?|fags?|bastards?|assholes?|jerks?|hoes?|skanks?|dickheads?|douche(?:bags?)?|freaks?|psychos?|disgusting|useless)';

interface Pattern {
  type: string;
  weight: number;
  pattern: RegExp;
  /** Keywords one of which every match contains (see the keyword index). */
  anchors: readonly string[];
  /** Further groups: every match also contains one keyword of each. */
  also?: ReadonlyArray<readonly string[]>;
}

// Hate and harassment need a target: a person addressed, or a group named. The same verbs against objects ("kill a
// Python process", "shoot a goal") are not toxic.
const patternSpecs: Pattern[] = [
  {
    type: 'THREAT',
    weight: 0.85,
    pattern: /\b(?:i(?:'ll| will| am going to|'m going to|'m gonna| gonna| want to)|we(?:'ll| will| are going to| gonna)|gonna|going to)\b[^.!?\n]{0,20}?\b(?:kill|murder|hurt|rape|shoot|stab|beat|strangle|burn|bury|slaughter|choke|lynch|behead)\b[^.!?\n]{0,15}?\b(?:you|u|ya|him|her|them|your (?:family|kids|wife|husband|mother|children))\b/gi,
    anchors: ['kill', 'murder', 'hurt', 'rape', 'shoot', 'stab', 'beat', 'strangle', 'burn', 'bury', 'slaughter', 'choke', 'lynch', 'behead'],
    also: [["i'll", 'i will', 'i am going', "i'm going", "i'm gonna", 'i gonna', 'i want to', "we'll", 'we will', 'we are going', 'we gonna', 'gonna', 'going to']],
  },
  {
    type: 'SELF_HARM_INCITEMENT',
    weight: 0.85,
    pattern: /\b(?:kill|hang|shoot|off) (?:yourself|urself|yourselves|your ?self)\b|\bkys\b|\b(?:hope|wish) (?:you|u|he|she|they) (?:die|dies|get raped|gets raped|get cancer|burn|rot|suffer)\b|\b(?:you|u) (?:should|deserve to|need to) (?:die|be (?:killed|shot|raped))\b/gi,
    anchors: ['yourself', 'urself', 'your self', 'kys', 'hope ', 'wish ', ' should die', ' should be ', 'deserve to ', 'need to die', 'need to be '],
  },
  {
    type: 'HATE_DEHUMANIZATION',
    weight: 0.85,
    pattern: new RegExp(`\\b${groups}\\b (?:are|r|is|=|are just|are all|are nothing but|are like)\\b[^.!?\\n]{0,15}?\\b${dehumanizing}\\b`, 'gi'),
    anchors: dehumanizingAnchors,
  },
  {
    type: 'HATE_VIOLENCE',
    weight: 0.85,
    pattern: new RegExp(`\\b(?:kill|exterminate|gas|lynch|eradicate|wipe out|get rid of|shoot|hang|burn|deport) (?:all |the |every |those |these )?${groups}\\b|\\b${groups}\\b[^.!?\\n]{0,20}?\\b(?:should|must|need to|deserve to|ought to) (?:die|be (?:killed|shot|hanged|hung|gassed|exterminated|lynched|eradicated|deported|wiped out|banned|sterili[sz]ed))\\b`, 'gi'),
    anchors: groupAnchors,
    also: [['kill', 'exterminat', 'gas', 'lynch', 'eradicat', 'wipe out', 'get rid of', 'shoot', 'hang', 'burn', 'deport', 'die', 'shot', 'hung', 'wiped out', 'banned', 'sterili']],
  },
  {
    type: 'HATE_EXCLUSION',
    weight: 0.7,
    pattern: /\bgo back (?:to|where) (?:your|you came from|where you came from)\b|\b(?:get|go) back to (?:your|ur) (?:own )?(?:country|land|jungle|cave)\b/gi,
    anchors: ['go back', 'get back'],
  },
  {
    type: 'DIRECTED_INSULT',
    weight: 0.7,
    pattern: new RegExp(`\\b(?:you(?:'re| are)?|u r|ur|youre|ya|your mom|your mother|shut up)\\b[^.!?\\n]{0,20}?\\b${insults}\\b`, 'gi'),
    anchors: insultAnchors,
  },
];

const patterns = patternSpecs.map((spec) => {
  const anchorGroups = [spec.anchors, ...(spec.also ?? [])].map((group) => group.map((anchor) => registerKeyword(anchor)));
  return { ...spec, anchorGroups, anchored: anchorPattern(spec.pattern, anchorGroups) };
});

const lexiconWeights: Record<LexiconCategory, number> = {
  slur: 0.8,
  profanity: 0.6,
  violence: 0.6,
  sexual: 0.5,
  sexual_term: 0.2,
};

export function findToxicity(text: string, params: ToxicityParams): Finding[] {
  const findings: Finding[] = [];
  const addLexicon = (source: string, locate: (start: number, end: number) => [number, number]): void => {
    for (const match of matchLexicon(source)) {
      if (!params.profanity && match.category === 'profanity') continue;
      const [start, end] = locate(match.start, match.end);
      const weight = lexiconWeights[match.category] * (match.properNoun ? 0.5 : 1);
      findings.push({ type: match.category === 'slur' ? 'SLUR' : match.category.toUpperCase(), start, end, score: weight });
    }
  };
  addLexicon(text, (start, end) => [start, end]);
  // "sh1t", "f u c k", Cyrillic look-alikes: scanned again once undone, reported at their original offsets.
  if (profileText(text).obfuscated) {
    const view = normalizedView(text);
    if (view.text !== text) {
      const known = new Set(findings.map((finding) => finding.start));
      addLexicon(view.text, (start, end) => {
        const from = view.offsets[start] ?? 0;
        return known.has(from) ? [-1, -1] : [from, (view.offsets[Math.max(start, end - 1)] ?? 0) + 1];
      });
    }
  }
  const profile = profileText(text);
  for (const { type, weight, anchored, anchorGroups } of patterns) {
    if (!anchorGroups.every((group) => profile.hasAny(group))) continue;
    for (const match of matchAllAnchored(text, profile, anchored)) {
      findings.push({ type, start: match.index, end: match.index + match[0].length, score: weight });
    }
  }
  return findings.filter((finding) => finding.start >= 0);
}

export const toxicityDetector: Detector<ToxicityParams> = {
  id: 'toxicity',
  description: 'Profanity and slurs (obscenity\'s English dataset), threats, dehumanising and violent statements about groups, and insults aimed at a person',
  paramsSchema: toxicityParamsSchema,
  detect(text, params) {
    const findings = findToxicity(text, params);
    // Independent cues add up, but each category counts once: ten swear words are not ten times the evidence.
    const strongest = new Map<string, number>();
    for (const finding of findings) strongest.set(finding.type, Math.max(strongest.get(finding.type) ?? 0, finding.score));
    return buildDetection(findings, params.threshold, noisyOr(strongest.values()));
  },
};
