import { describe, expect, it } from 'vitest';
import type { Finding } from './detector.js';
import { maskValue, mergeFindings, pseudonymize, redactText } from './redact.js';

const span = (text: string, value: string, type: string): Finding => {
  const start = text.indexOf(value);
  return { type, start, end: start + value.length, score: 0.9 };
};

describe('redaction', () => {
  const text = 'SSN 536-22-8726, mail jane@example.com, host fe80::1%eth0, card 4111 1111 1111 1111.';
  const findings = [
    span(text, '536-22-8726', 'US_SSN'),
    span(text, 'jane@example.com', 'EMAIL_ADDRESS'),
    span(text, 'fe80::1%eth0', 'IP_ADDRESS'),
    span(text, '4111 1111 1111 1111', 'CREDIT_CARD'),
  ];

  it('replaces values with a fixed token per type, IPv6 always fully masked', () => {
    expect(redactText(text, findings, { mode: 'token' })).toBe(
      'SSN [US_SSN], mail [EMAIL_ADDRESS], host [IPv6_MASKED], card [CREDIT_CARD].',
    );
  });

  it('masks partially, keeping the last four characters and the separators', () => {
    expect(redactText(text, findings, { mode: 'mask' })).toBe(
      'SSN ***-**-8726, mail j***@example.com, host [IPv6_MASKED], card **** **** **** 1111.',
    );
    expect(maskValue('192.168.1.20', 'IP_ADDRESS')).toBe('192.*.*.*');
    expect(maskValue('John', 'PERSON')).toBe('J***');
  });

  it('pseudonymises with a keyed hash: stable per tenant, different across tenants, same for two spellings', () => {
    const first = redactText(text, findings, { mode: 'hash', hashKey: 'tenant-a-key' });
    expect(first).toMatch(/^SSN \[US_SSN_[0-9a-f]{12}\], mail \[EMAIL_ADDRESS_[0-9a-f]{12}\], host \[IPv6_MASKED\]/);
    expect(redactText(text, findings, { mode: 'hash', hashKey: 'tenant-a-key' })).toBe(first);
    expect(redactText(text, findings, { mode: 'hash', hashKey: 'tenant-b-key' })).not.toBe(first);
    expect(pseudonymize('536-22-8726', 'US_SSN', 'k')).toBe(pseudonymize('536 22 8726', 'US_SSN', 'k'));
    expect(pseudonymize('Jane@Example.com', 'EMAIL_ADDRESS', 'k')).toBe(pseudonymize('jane@example.com', 'EMAIL_ADDRESS', 'k'));
    expect(() => redactText(text, findings, { mode: 'hash' })).toThrow(/tenant key/);
  });

  it('never leaves part of a value when findings overlap', () => {
    const overlapping: Finding[] = [
      { type: 'PHONE_NUMBER', start: 4, end: 12, score: 0.6 },
      { type: 'US_SSN', start: 8, end: 15, score: 0.9 },
    ];
    expect(mergeFindings(overlapping)).toEqual([{ type: 'PHONE_NUMBER', start: 4, end: 15, score: 0.6 }]);
    expect(redactText(text, overlapping, { mode: 'token' })).toBe(`SSN [PHONE_NUMBER]${text.slice(15)}`);
  });
});
