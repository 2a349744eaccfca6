import { describe, expect, it } from 'vitest';
import { abaChecksumValid, isValidAbaRoutingNumber } from './aba-routing.js';
import { isValidAadhaar, verhoeffValid } from './aadhaar.js';
import { findIssuer, isValidCardNumber, luhnValid } from './credit-card.js';
import { ibanChecksumValid, isValidIban } from './iban.js';
import { parseIpv6 } from './ip-address.js';
import { isValidPan } from './pan.js';
import { isValidSsn } from './ssn.js';

describe('Luhn', () => {
  it('accepts valid numbers and rejects one changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398710')).toBe(false);
  });

  it('rejects non-digits', () => {
    expect(luhnValid('4111-1111-1111-1111')).toBe(false);
    expect(luhnValid('')).toBe(false);
  });

  it('needs an issuer prefix and length, and no trivial run', () => {
    expect(findIssuer('4111111111111111')).toBe('visa');
    expect(findIssuer('378282246310005')).toBe('amex');
    expect(findIssuer('5555555555554444')).toBe('mastercard');
    expect(findIssuer('2221000000000009')).toBe('mastercard');
    expect(findIssuer('9111111111111111')).toBeUndefined();
    expect(isValidCardNumber('378282246310005')).toBe(true);
    expect(isValidCardNumber('0000000000000000')).toBe(false);
    // Valid Luhn, Visa prefix, but 17 digits is not a Visa length.
    expect(isValidCardNumber('41111111111111110')).toBe(false);
  });
});

describe('IBAN mod-97', () => {
  it('accepts registry examples, spaced or lower case', () => {
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(isValidIban('fr1420041010050500013m02606')).toBe(true);
    expect(isValidIban('NO9386011117947')).toBe(true);
  });

  it('rejects a wrong check digit, a wrong length and an unknown country', () => {
    expect(ibanChecksumValid('DE88370400440532013000')).toBe(false);
    expect(isValidIban('DE8937040044053201300')).toBe(false);
    expect(isValidIban('XX89370400440532013000')).toBe(false);
  });
});

describe('ABA 3-7-1', () => {
  it('accepts published routing numbers', () => {
    for (const number of ['021000021', '011000015', '026009593', '121000248', '322271627']) {
      expect(abaChecksumValid(number)).toBe(true);
      expect(isValidAbaRoutingNumber(number)).toBe(true);
    }
  });

  it('rejects a changed digit, a prefix outside the Federal Reserve ranges and trivial runs', () => {
    expect(abaChecksumValid('021000022')).toBe(false);
    // 3·(5+0+0) + 7·(0+0+0) + (0+0+5) = 20 ≡ 0, but 50 is not a routing symbol.
    expect(abaChecksumValid('500000005')).toBe(true);
    expect(isValidAbaRoutingNumber('500000005')).toBe(false);
    expect(isValidAbaRoutingNumber('000000000')).toBe(false);
  });
});

describe('Verhoeff and Aadhaar', () => {
  it('checks the Verhoeff digit', () => {
    expect(verhoeffValid('2363')).toBe(true);
    expect(verhoeffValid('2364')).toBe(false);
    expect(verhoeffValid('12345')).toBe(false);
    expect(verhoeffValid('123451')).toBe(true);
  });

  it('applies the UIDAI rules: first digit 2–9, Verhoeff, not a palindrome', () => {
    expect(isValidAadhaar('234123412346')).toBe(true);
    expect(isValidAadhaar('234123412345')).toBe(false);
    expect(isValidAadhaar('134123412346')).toBe(false);
    expect(isValidAadhaar('23412341234')).toBe(false);
    // Every palindrome is rejected, whatever its check digit.
    const palindromes = ['200000000002', '212121121212', '999999999999'];
    for (const value of palindromes) expect(isValidAadhaar(value)).toBe(false);
  });
});

describe('SSN issuance rules', () => {
  it('accepts issued shapes', () => {
    expect(isValidSsn('536228726')).toBe(true);
    expect(isValidSsn('772010001')).toBe(true);
    expect(isValidSsn('899999999')).toBe(true);
  });

  it('rejects area 000, 666 and 9xx, group 00, serial 0000 and published examples', () => {
    expect(isValidSsn('000123456')).toBe(false);
    expect(isValidSsn('666123456')).toBe(false);
    expect(isValidSsn('912345678')).toBe(false);
    expect(isValidSsn('123004567')).toBe(false);
    expect(isValidSsn('123450000')).toBe(false);
    expect(isValidSsn('078051120')).toBe(false);
    expect(isValidSsn('123456789')).toBe(false);
    expect(isValidSsn('111111111')).toBe(false);
  });
});

describe('PAN format', () => {
  it('requires the holder-type letter', () => {
    expect(isValidPan('ABCPE1234F')).toBe(true);
    expect(isValidPan('ABCCE1234F')).toBe(true);
    expect(isValidPan('ABCXE1234F')).toBe(false);
    expect(isValidPan('ABCPE0000F')).toBe(false);
  });
});

describe('IPv6 parsing', () => {
  it('understands every written form', () => {
    expect(parseIpv6('2001:db8::1')?.address).toBe('2001:db8::1');
    expect(parseIpv6('fe80::1%eth0')).toEqual({ address: 'fe80::1', zone: 'eth0', prefixLength: undefined });
    expect(parseIpv6('2001:db8::/32')?.prefixLength).toBe(32);
    expect(parseIpv6('::ffff:192.0.2.128')?.address).toBe('::ffff:192.0.2.128');
    expect(parseIpv6('2001:0db8:0000:0000:0000:ff00:0042:8329')).toBeDefined();
  });

  it('rejects what is not an address', () => {
    expect(parseIpv6('::')).toBeUndefined();
    expect(parseIpv6('12:30:45')).toBeUndefined();
    expect(parseIpv6('2001:db8::1/129')).toBeUndefined();
    expect(parseIpv6('00:1a:2b:3c:4d:5e')).toBeUndefined();
  });
});
