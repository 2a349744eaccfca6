import { createHmac } from 'node:crypto';
import type { Finding } from './detector.js';
import { isIpv6Value } from './pii/ip-address.js';
import type { RedactionMode } from './policy.js';

export { redactionModeSchema, type RedactionMode } from './policy.js';

export interface RedactionOptions {
  mode: RedactionMode;
  /** The tenant's pseudonym key; required for `hash`. */
  hashKey?: string | Uint8Array;
}

export const ipv6Token = '[IPv6_MASKED]';
const digitTypes = new Set(['US_SSN', 'CREDIT_CARD', 'ABA_ROUTING_NUMBER', 'US_BANK_NUMBER', 'IN_AADHAAR', 'PHONE_NUMBER']);

/** The form two spellings of one value share ("123-45-6789" and "123 45 6789"), so they get one pseudonym. */
function canonicalize(value: string, type: string): string {
  if (digitTypes.has(type)) return value.replace(/\D/g, '');
  if (type === 'IBAN_CODE' || type === 'IN_PAN' || type === 'US_PASSPORT') return value.replace(/\s/g, '').toUpperCase();
  if (type === 'EMAIL_ADDRESS') return value.toLowerCase();
  return value.trim();
}

export function pseudonymize(value: string, type: string, key: string | Uint8Array): string {
  const digest = createHmac('sha256', key).update(`${type}\u0000${canonicalize(value, type)}`).digest('hex');
  return `[${type}_${digest.slice(0, 12)}]`;
}

function maskCharacters(value: string, keepLast: number): string {
  let alphanumerics = 0;
  for (const character of value) if (/[\p{L}\p{N}]/u.test(character)) alphanumerics++;
  let seen = 0;
  let masked = '';
  for (const character of value) {
    if (/[\p{L}\p{N}]/u.test(character)) {
      seen++;
      masked += seen > alphanumerics - keepLast ? character : '*';
    } else masked += character;
  }
  return masked;
}

export function maskValue(value: string, type: string): string {
  if (type === 'EMAIL_ADDRESS') {
    const at = value.indexOf('@');
    return `${value[0] ?? ''}***${value.slice(at)}`;
  }
  if (type === 'IP_ADDRESS') return value.replace(/^(\d{1,3})\..*$/, '$1.*.*.*');
  // Long secrets and keys: a short recognisable stub, not a screen of asterisks.
  if (value.length > 40) return `${value.slice(0, 4)}****${value.slice(-4)}`;
  let alphanumerics = 0;
  for (const character of value) if (/[\p{L}\p{N}]/u.test(character)) alphanumerics++;
  if (alphanumerics >= 8) return maskCharacters(value, 4);
  // Short values (names, words): the first letter stays.
  return value.length <= 1 ? '*' : value[0] + maskCharacters(value.slice(1), 0);
}

export function redactValue(value: string, type: string, options: RedactionOptions): string {
  if (type === 'IP_ADDRESS' && isIpv6Value(value)) return ipv6Token;
  if (options.mode === 'mask') return maskValue(value, type);
  if (options.mode === 'hash') {
    if (options.hashKey === undefined || options.hashKey.length === 0) {
      throw new Error('hash redaction needs the tenant key (RedactionOptions.hashKey)');
    }
    return pseudonymize(value, type, options.hashKey);
  }
  return `[${type}]`;
}

/** Merges overlapping findings (two detectors on one value) so each character is replaced once. */
export function mergeFindings(findings: readonly Finding[]): Finding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Finding[] = [];
  for (const finding of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && finding.start < last.end) {
      if (finding.end > last.end) merged[merged.length - 1] = { ...last, end: finding.end };
      continue;
    }
    merged.push(finding);
  }
  return merged;
}

/** Replaces every finding's span with its redaction; text outside the findings is untouched. */
export function redactText(text: string, findings: readonly Finding[], options: RedactionOptions): string {
  if (findings.length === 0) return text;
  let output = '';
  let cursor = 0;
  for (const finding of mergeFindings(findings)) {
    output += text.slice(cursor, finding.start) + redactValue(text.slice(finding.start, finding.end), finding.type, options);
    cursor = finding.end;
  }
  return output + text.slice(cursor);
}
