import { z } from 'zod';
import { buildDetection, thresholdSchema, type Detector } from './detector.js';
import { defineFeature, scanFeatures, type Feature } from './text/features.js';

export const financialAdviceParamsSchema = z.object({ threshold: thresholdSchema });
export type FinancialAdviceParams = z.infer<typeof financialAdviceParamsSchema>;

const instruments =
  '(?:stocks?|shares?|equit(?:y|ies)|bonds?|etfs?|index funds?|mutual funds?|funds?|options?|calls?|puts?|futures|crypto(?:currenc(?:y|ies))?|bitcoin|btc|ethereum|eth|coins?|tokens?|nfts?|gold|silver|forex|real estate|propert(?:y|ies)|reits?|annuit(?:y|ies)|portfolio|positions?|securities|penny stocks?|\\$[A-Z]{1,5}\\b|[A-Z]{2,5} (?:stock|shares))';
const tradeAnchors = ['buy', 'sell', 'short', 'invest', 'put', 'move', 'dump', 'load up', 'hold', 'purchase', 'acquire', 'liquidate', 'cash out', 'get into', 'get out of', 'pile into', 'go long', 'go short', 'double down', 'allocate', 'rebalance'];
const tradeVerbs = '(?:buy|buying|sell|selling|short|shorting|invest|investing|put|move|dump|load up on|hold|holding|purchase|acquire|liquidate|cash out of|get into|get out of|pile into|go long|go short|double down on|allocate|rebalance)';

const instrumentAnchors = [
  'stock', 'share', 'equit', 'bond', 'etf', 'index fund', 'fund', 'option', 'call', 'put', 'future', 'crypto', 'bitcoin',
  'btc', 'ethereum', 'eth', 'coin', 'token', 'nft', 'gold', 'silver', 'forex', 'real estate', 'propert', 'reit',
  'annuit', 'portfolio', 'position', 'securities', '$',
];

// Advice is a recommendation to a person about what to do with their money, or a promise about returns. Explaining how
// an instrument works, quoting a past return or describing risk is not advice.
const features: Feature[] = [
  defineFeature('RECOMMENDATION', 0.7, {
    pattern: new RegExp(`\\b(?:you|u|we|everyone|investors) (?:should|must|need to|ought to|have to|had better|'d better|would be wise to|can't go wrong (?:if you|by|with))\\b(?: (?:definitely|really|seriously|absolutely|just|probably|consider(?: to)?))?\\s{1,16}${tradeVerbs}\\b`, 'i'),
    anchors: ['should', 'must', 'need to', 'ought to', 'have to', 'had better', "'d better", 'would be wise', "can't go wrong"],
    alsoAnchors: [tradeAnchors],
  }),
  defineFeature('RECOMMENDATION', 0.7, {
    pattern: new RegExp(`\\b(?:i|we) (?:would |strongly |highly )?(?:recommend|suggest|advise|urge)\\b[^.!?\\n]{0,30}?\\b(?:${tradeVerbs}|${instruments})`, 'i'),
    anchors: ['recommend', 'suggest', 'advise', 'urge'],
  }),
  defineFeature('RECOMMENDATION', 0.6, {
    pattern: new RegExp(`\\b(?:my|our|top|best) (?:pick|picks|recommendation|advice|tip)s?\\b[^.!?\\n]{0,40}?${instruments}|\\b(?:best|top) ${instruments} to (?:buy|invest in|own|hold)\\b(?! is a| are a| depends)`, 'i'),
    anchors: ['pick', 'recommendation', 'advice', 'tip', ' to buy', ' to invest', ' to own', ' to hold'],
  }),
  defineFeature('BUY_SELL_CALL', 0.7, {
    pattern: /\b(?:strong buy|strong sell|buy rating|sell rating|price target|buy the dip|buy now|sell now|sell everything|all[- ]in on|go all[- ]in|to the moon|load up on|back up the truck)\b/i,
    anchors: ['strong buy', 'strong sell', 'buy rating', 'sell rating', 'price target', 'buy the dip', 'buy now', 'sell now', 'sell everything', 'all in', 'all-in', 'to the moon', 'load up on', 'back up the truck'],
  }),
  defineFeature('BUY_SELL_CALL', 0.7, {
    pattern: new RegExp(`\\b(?:buy|sell|short|dump) ${instruments}[^.!?\\n]{0,20}?\\b(?:now|today|immediately|asap|before (?:it|they|the)|while you can)\\b`, 'i'),
    anchors: ['buy ', 'sell ', 'short ', 'dump '],
    alsoAnchors: [['now', 'today', 'immediately', 'asap', 'before ', 'while you can']],
  }),
  defineFeature('BUY_SELL_CALL', 0.6, { pattern: new RegExp(`^\\s{0,16}(?:buy|sell|short|dump|hold)\\b[^.!?\\n]{0,30}?${instruments}`, 'im'), anchors: ['buy', 'sell', 'short', 'dump', 'hold'] }),
  defineFeature('RETURN_GUARANTEE', 0.8, {
    pattern: /\b(?:guarantee[ds]?|guaranteeing|assured|certain|sure|promised?) (?:\d{1,12}(?:\.\d{1,12})?%? )?(?:returns?|profits?|gains?|income|yield|payouts?|money)\b/i,
    anchors: ['guarantee', 'assured', 'certain', 'sure', 'promise'],
    alsoAnchors: [['return', 'profit', 'gain', 'income', 'yield', 'payout', 'money']],
  }),
  defineFeature('RETURN_GUARANTEE', 0.8, {
    pattern: /\b(?:risk[- ]free|zero[- ]risk|no[- ]risk) (?:returns?|profits?|investments?|gains?|income|trades?|opportunit(?:y|ies))\b|\b(?:double|triple|10x|100x) your (?:money|investment|savings)\b/i,
    anchors: ['risk-free', 'risk free', 'zero-risk', 'zero risk', 'no-risk', 'no risk', ' your money', ' your investment', ' your savings'],
  }),
  defineFeature('RETURN_GUARANTEE', 0.8, {
    pattern: /\b(?:can(?:'|no)t|cannot|won't|will not|never) (?:lose|go down|fail)\b[^.!?\n]{0,20}?\b(?:money|investment|stock|value|price)?/i,
    anchors: ["can't lose", 'cannot lose', "won't lose", 'will not lose', 'never lose', 'go down', "can't fail", 'cannot fail', 'never fail', "won't fail"],
  }),
  defineFeature('RETURN_GUARANTEE', 0.7, {
    pattern: /\b(?:will|is going to|are going to|is bound to|is sure to|guaranteed to) (?:definitely |certainly |surely |easily )?(?:double|triple|moon|skyrocket|soar|explode|10x|100x|go up|rise|outperform)\b/i,
    anchors: ['double', 'triple', 'moon', 'skyrocket', 'soar', 'explode', '10x', '100x', 'go up', 'rise', 'outperform'],
    alsoAnchors: [['will ', 'going to', 'bound to', 'sure to', 'guaranteed to']],
  }),
  defineFeature('RETURN_GUARANTEE', 0.6, {
    pattern: /\b\d{1,12}(?:\.\d{1,12})?\s?% (?:guaranteed|per (?:day|week|month)|a (?:day|week|month)|daily|weekly|monthly) (?:returns?|profits?|gains?|interest|roi)\b|\bguaranteed \d{1,12}(?:\.\d{1,12})?\s?%/i,
    anchors: ['%'],
  }),
  defineFeature('ALLOCATION_INSTRUCTION', 0.6, {
    pattern: /\b(?:put|invest|allocate|move|keep) (?:all|most|half|\d{1,12}\s?%|a (?:big|large) (?:chunk|part|portion)) of your (?:money|savings|portfolio|retirement|401\(?k\)?|ira|pension|cash|net worth)\b/i,
    anchors: ['of your'],
  }),
  defineFeature('ADVICE_REQUEST', 0.55, {
    pattern: new RegExp(`\\b(?:should|shall|do you think i should|would you) (?:i|we)\\b[^.!?\\n]{0,20}?\\b${tradeVerbs}\\b|\\b(?:which|what) ${instruments} (?:should|do you think) (?:i|we)\\b|\\bhow should (?:i|we) invest\\b|\\bwhere should (?:i|we) (?:invest|put (?:my|our) money)\\b|\\bis (?:it|now) (?:a )?(?:good|right|smart) (?:time|idea) to (?:buy|sell|invest)`, 'i'),
    anchors: ['should i', 'should we', 'shall i', 'shall we', 'would you i', 'would you we', 'do you think i', 'do you think we', 'good time', 'right time', 'smart time', 'good idea', 'right idea', 'smart idea'],
  }),
  defineFeature('INSTRUMENT', 0.15, { pattern: new RegExp(`\\b${instruments}`, 'i'), anchors: instrumentAnchors, supporting: true }),
];

export const financialAdviceDetector: Detector<FinancialAdviceParams> = {
  id: 'financial_advice',
  description:
    'Personalised investment recommendations, buy/sell calls, allocation instructions and guarantees of returns (flag by default: a licensed firm decides what to do with them)',
  paramsSchema: financialAdviceParamsSchema,
  detect(text, params) {
    const scan = scanFeatures(text, features, { encodedPayloadWeight: 0, decode: false });
    return buildDetection(scan.findings, params.threshold, scan.score);
  },
};
