import { guardrailPolicySchema, type GuardrailPolicy } from './policy.js';

/**
 * Banking, financial services and insurance: identifiers and secrets never reach the model or the client, attacks and
 * abuse are refused, confidential material never leaves, and investment advice is flagged for compliance review rather
 * than blocked (whether it is allowed depends on the firm's licence).
 */
export const bfsiPolicy: GuardrailPolicy = guardrailPolicySchema.parse({
  name: 'bfsi',
  rules: [
    { guardrail: 'pii', input: 'redact', output: 'redact' },
    { guardrail: 'secrets', input: 'redact', output: 'redact' },
    { guardrail: 'prompt_injection', input: 'block', output: 'flag' },
    { guardrail: 'jailbreak', input: 'block', output: 'flag' },
    { guardrail: 'toxicity', input: 'block', output: 'block' },
    { guardrail: 'financial_advice', input: 'flag', output: 'flag' },
    { guardrail: 'confidential', input: 'block', output: 'block' },
  ],
  redaction: { mode: 'token' },
});

/** Everything is observed, almost nothing is stopped: secrets are still redacted. */
export const permissivePolicy: GuardrailPolicy = guardrailPolicySchema.parse({
  name: 'permissive',
  rules: [
    { guardrail: 'pii', input: 'flag', output: 'flag' },
    { guardrail: 'secrets', input: 'redact', output: 'redact' },
    { guardrail: 'prompt_injection', input: 'flag', output: 'flag', threshold: 0.7 },
    { guardrail: 'jailbreak', input: 'flag', output: 'flag', threshold: 0.7 },
    { guardrail: 'toxicity', input: 'flag', output: 'flag', threshold: 0.7 },
  ],
  redaction: { mode: 'token' },
});

/** Lower thresholds, names and places redacted too, and anything that looks like advice or a secret is refused. */
export const strictPolicy: GuardrailPolicy = guardrailPolicySchema.parse({
  name: 'strict',
  rules: [
    {
      guardrail: 'pii',
      input: 'redact',
      output: 'redact',
      threshold: 0.4,
      params: {
        entities: [
          'US_SSN', 'CREDIT_CARD', 'IBAN_CODE', 'ABA_ROUTING_NUMBER', 'US_BANK_NUMBER', 'IN_AADHAAR', 'IN_PAN', 'US_PASSPORT',
          'EMAIL_ADDRESS', 'PHONE_NUMBER', 'IP_ADDRESS', 'DATE_TIME', 'PERSON', 'LOCATION', 'ORGANIZATION',
        ],
      },
    },
    { guardrail: 'secrets', input: 'block', output: 'block' },
    { guardrail: 'prompt_injection', input: 'block', output: 'block', threshold: 0.4 },
    { guardrail: 'jailbreak', input: 'block', output: 'block', threshold: 0.4 },
    { guardrail: 'toxicity', input: 'block', output: 'block', threshold: 0.4 },
    { guardrail: 'financial_advice', input: 'flag', output: 'block' },
    { guardrail: 'confidential', input: 'block', output: 'block' },
  ],
  redaction: { mode: 'token' },
});

export const policyTemplates = { bfsi: bfsiPolicy, permissive: permissivePolicy, strict: strictPolicy } as const;
