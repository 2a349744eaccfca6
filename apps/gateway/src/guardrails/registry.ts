import { confidentialDetector } from './confidential.js';
import type { Detection, Detector, DetectorId, DetectorParams } from './detector.js';
import { financialAdviceDetector } from './financial-advice.js';
import { jailbreakDetector } from './jailbreak.js';
import { piiDetector } from './pii/pii-detector.js';
import { promptInjectionDetector } from './prompt-injection.js';
import { secretsDetector } from './secrets.js';
import { toxicityDetector } from './toxicity.js';

export const builtinDetectors = {
  pii: piiDetector,
  secrets: secretsDetector,
  prompt_injection: promptInjectionDetector,
  jailbreak: jailbreakDetector,
  toxicity: toxicityDetector,
  financial_advice: financialAdviceDetector,
  confidential: confidentialDetector,
} as const;

/** A detector with its parameters parsed once, ready to run on many texts. */
export interface BoundDetector {
  id: DetectorId;
  threshold: number;
  detect(text: string): Detection;
}

function bind<Params extends DetectorParams>(detector: Detector<Params>, raw: Record<string, unknown>, threshold?: number): BoundDetector {
  const params = detector.paramsSchema.parse(threshold === undefined ? raw : { ...raw, threshold });
  return { id: detector.id, threshold: params.threshold, detect: (text) => detector.detect(text, params) };
}

/** Parses the parameters with the detector's schema (throws a ZodError on bad parameters). */
export function bindDetector(id: DetectorId, params: Record<string, unknown> = {}, threshold?: number): BoundDetector {
  switch (id) {
    case 'pii':
      return bind(builtinDetectors.pii, params, threshold);
    case 'secrets':
      return bind(builtinDetectors.secrets, params, threshold);
    case 'prompt_injection':
      return bind(builtinDetectors.prompt_injection, params, threshold);
    case 'jailbreak':
      return bind(builtinDetectors.jailbreak, params, threshold);
    case 'toxicity':
      return bind(builtinDetectors.toxicity, params, threshold);
    case 'financial_advice':
      return bind(builtinDetectors.financial_advice, params, threshold);
    case 'confidential':
      return bind(builtinDetectors.confidential, params, threshold);
  }
}
