import { describe, expect, it } from 'vitest';
import { piiDetector, piiParamsSchema } from './pii-detector.js';

const params = piiParamsSchema.parse({});
const detect = (text: string, overrides: Record<string, unknown> = {}) =>
  piiDetector.detect(text, piiParamsSchema.parse({ ...overrides }));
const found = (text: string, overrides: Record<string, unknown> = {}): Array<[string, string]> =>
  detect(text, overrides).findings.map((finding) => [finding.type, text.slice(finding.start, finding.end)]);

describe('pii detector', () => {
  it('finds every pattern type with its Presidio name and exact span', () => {
    expect(found('My SSN is 536-22-8726.')).toEqual([['US_SSN', '536-22-8726']]);
    expect(found('Card 4111 1111 1111 1111 expires 09/27')).toEqual([['CREDIT_CARD', '4111 1111 1111 1111']]);
    expect(found('IBAN: GB82 WEST 1234 5698 7654 32, thanks')).toEqual([['IBAN_CODE', 'GB82 WEST 1234 5698 7654 32']]);
    expect(found('Write to jane.doe+bank@example.co.uk today')).toEqual([['EMAIL_ADDRESS', 'jane.doe+bank@example.co.uk']]);
    expect(found('Call me on +44 20 7946 0958.')).toEqual([['PHONE_NUMBER', '+44 20 7946 0958']]);
    expect(found('Login from 203.0.113.42 failed')).toEqual([['IP_ADDRESS', '203.0.113.42']]);
    expect(found('Date of birth: 14/03/1986')).toEqual([['DATE_TIME', '14/03/1986']]);
  });

  it('finds BFSI identifiers with their context', () => {
    expect(found('Aadhaar 2341 2341 2346 for KYC')).toEqual([['IN_AADHAAR', '2341 2341 2346']]);
    expect(found('PAN: ABCPE1234F')).toEqual([['IN_PAN', 'ABCPE1234F']]);
    expect(found('Routing number 021000021, account 40812357711')).toEqual([
      ['ABA_ROUTING_NUMBER', '021000021'],
      ['US_BANK_NUMBER', '40812357711'],
    ]);
    expect(found('Passport number: 912345678')).toEqual([['US_PASSPORT', '912345678']]);
  });

  it('finds IPv6 in every form', () => {
    for (const address of ['2001:db8::1', 'fe80::1ff:fe23:4567:890a%eth0', '2001:db8:abcd:12::/64', '::ffff:192.0.2.128', '2001:0db8:85a3:0000:0000:8a2e:0370:7334']) {
      expect(found(`Blocked ${address} at the firewall`)).toEqual([['IP_ADDRESS', address]]);
    }
  });

  it('lets context words raise and lower confidence', () => {
    const bare = detect('The value 021000021 was entered.', { threshold: 0 }).findings.find((f) => f.type === 'ABA_ROUTING_NUMBER');
    const routed = detect('Routing number 021000021 was entered.', { threshold: 0 }).findings.find((f) => f.type === 'ABA_ROUTING_NUMBER');
    expect(bare?.score).toBeLessThan(params.threshold);
    expect(routed?.score).toBeGreaterThan(0.8);
    const card = (text: string): number => detect(text, { threshold: 0 }).findings.find((f) => f.type === 'CREDIT_CARD')?.score ?? 0;
    expect(card('Visa card 4111111111111111')).toBeGreaterThan(card('Number 4111111111111111'));
    expect(card('Order 4111111111111111 shipped')).toBeLessThan(params.threshold);
    const ip = (text: string): number => detect(text, { threshold: 0 }).findings.find((f) => f.type === 'IP_ADDRESS')?.score ?? 0;
    expect(ip('Upgrade to version 2.10.3.4')).toBeLessThan(params.threshold);
  });

  it('does not report checksum-invalid numbers or numbers without required context', () => {
    expect(found('Card 4111 1111 1111 1112')).toEqual([]);
    expect(found('IBAN DE88370400440532013000')).toEqual([]);
    expect(found('SSN 666-12-3456')).toEqual([]);
    expect(found('Aadhaar 2341 2341 2345')).toEqual([]);
    expect(found('The invoice total is 12345678901.')).toEqual([]);
    expect(found('Quote 912345678 on the form.')).toEqual([]);
  });

  it('stays quiet on finance text full of numbers', () => {
    for (const text of [
      'Q3 revenue rose 12.4% to $1,234,567,890 while costs fell to $845,210,000.',
      'The batch ran from 2024-03-15 10:30:00 to 2024-03-15 11:45:12.',
      'Transaction volume: 4 567 890 payments worth 12 345 678 901 INR.',
      'ISBN 978-3-16-148410-0 is the reference edition.',
    ]) {
      expect(found(text)).toEqual([]);
    }
  });

  it('reports one finding per value when recognizers overlap', () => {
    expect(found('Card number 4111 1111 1111 1111').map(([type]) => type)).toEqual(['CREDIT_CARD']);
  });

  it('limits the entity types to the requested ones', () => {
    expect(found('SSN 536-22-8726, mail a@b.example', { entities: ['EMAIL_ADDRESS'] })).toEqual([['EMAIL_ADDRESS', 'a@b.example']]);
  });

  it('finds names, places and organisations when asked (compromise)', () => {
    const types = found('Dear Mr. John Smith, your branch in Chicago has moved.', { entities: ['PERSON', 'LOCATION'] }).map(([type]) => type);
    expect(types).toContain('PERSON');
    expect(types).toContain('LOCATION');
  });

  it('scores the detection by its strongest finding', () => {
    const detection = detect('SSN 536-22-8726 and mail a@b.example');
    expect(detection.triggered).toBe(true);
    expect(detection.score).toBe(Math.max(...detection.findings.map((finding) => finding.score)));
  });
});
