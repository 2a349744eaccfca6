import { z } from 'zod';
import { buildDetection, resolveOverlaps, thresholdSchema, type Detector, type Finding } from '../detector.js';
import { abaRoutingRecognizer } from './aba-routing.js';
import { aadhaarRecognizer } from './aadhaar.js';
import { bankAccountRecognizer } from './bank-account.js';
import { creditCardRecognizer } from './credit-card.js';
import { dateOfBirthRecognizer } from './date-of-birth.js';
import { emailRecognizer } from './email.js';
import { ibanRecognizer } from './iban.js';
import { ipAddressRecognizer } from './ip-address.js';
import { namesRecognizer } from './names.js';
import { panRecognizer } from './pan.js';
import { passportRecognizer } from './passport.js';
import { phoneRecognizer } from './phone.js';
import { piiEntityTypes, type PiiEntityType, type Recognizer } from './recognizer.js';
import { ssnRecognizer } from './ssn.js';
import { profileText } from '../text/keyword-index.js';

const nameTypes = new Set<string>(['PERSON', 'LOCATION', 'ORGANIZATION']);

export const recognizers: readonly Recognizer[] = [
  ssnRecognizer,
  creditCardRecognizer,
  ibanRecognizer,
  abaRoutingRecognizer,
  bankAccountRecognizer,
  aadhaarRecognizer,
  panRecognizer,
  passportRecognizer,
  emailRecognizer,
  phoneRecognizer,
  ipAddressRecognizer,
  dateOfBirthRecognizer,
  namesRecognizer,
];

/** Names, places and organisations cost milliseconds per kilobyte (compromise), so a policy asks for them by name. */
export const defaultPiiEntities: readonly PiiEntityType[] = piiEntityTypes.filter(
  (type) => type !== 'PERSON' && type !== 'LOCATION' && type !== 'ORGANIZATION',
);

export const piiParamsSchema = z.object({
  threshold: thresholdSchema,
  entities: z
    .array(z.enum(piiEntityTypes))
    .min(1)
    .default(() => [...defaultPiiEntities]),
  /** ISO 3166 regions tried, in order, for phone numbers without a country code; the first one is trusted most. */
  phoneRegions: z
    .array(z.string().regex(/^[A-Z]{2}$/))
    .min(1)
    .default(() => ['US', 'GB', 'IN', 'AU', 'DE', 'FR']),
  /** DATE_TIME: `birth` reports dates with birth context only; `all` every full date. */
  dates: z.enum(['birth', 'all']).default('birth'),
});
export type PiiParams = z.infer<typeof piiParamsSchema>;

/** Every recognizer's findings for the requested entity types, strongest-wins on overlaps, before any threshold. */
export function recognizePii(text: string, params: PiiParams): Finding[] {
  // Digits, "@", ":" and letters decide which recognizers can match at all; one pass over the text tells.
  if (profileText(text).digits === 0 && !text.includes('@') && !params.entities.some((type) => nameTypes.has(type))) return [];
  const wanted = new Set<string>(params.entities);
  const options = { phoneRegions: params.phoneRegions, dates: params.dates, minScore: params.threshold, maxFindings: 200 };
  const findings: Finding[] = [];
  for (const recognizer of recognizers) {
    if (!recognizer.types.some((type) => wanted.has(type)) || !recognizer.mayMatch(text, options)) continue;
    for (const finding of recognizer.recognize(text, options)) {
      if (wanted.has(finding.type)) findings.push(finding);
    }
  }
  return resolveOverlaps(findings);
}

export const piiDetector: Detector<PiiParams> = {
  id: 'pii',
  description: 'Personal and financial identifiers, validated by checksum and format and scored by context words',
  paramsSchema: piiParamsSchema,
  detect(text, params) {
    return buildDetection(recognizePii(text, params), params.threshold);
  },
};
