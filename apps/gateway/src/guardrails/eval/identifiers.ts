import { abaChecksumValid } from '../pii/aba-routing.js';
import { isValidAadhaar } from '../pii/aadhaar.js';
import { luhnValid } from '../pii/credit-card.js';

/** Seeded generators of valid and random identifiers, for the evaluation and property tests. */
export type Random = () => number;

/** mulberry32: small, fast, good enough for test data; the same seed gives the same numbers. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export const randomInt = (random: Random, low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
export const randomDigits = (random: Random, length: number): string => {
  let digits = '';
  for (let index = 0; index < length; index++) digits += String(randomInt(random, 0, 9));
  return digits;
};
export const pick = <Value>(random: Random, values: readonly Value[]): Value => values[randomInt(random, 0, values.length - 1)]!;

/** Appends the digit that makes the number pass `valid`. */
function completeWith(body: string, valid: (value: string) => boolean): string | undefined {
  for (let digit = 0; digit <= 9; digit++) if (valid(body + digit)) return body + digit;
  return undefined;
}

export function generateCardNumber(random: Random): string {
  const shapes: Array<[string, number]> = [['4', 16], ['4', 13], ['51', 16], ['55', 16], ['2221', 16], ['34', 15], ['37', 15], ['6011', 16], ['35', 16], ['36', 14]];
  const [prefix, length] = pick(random, shapes);
  for (;;) {
    const value = completeWith(prefix + randomDigits(random, length - prefix.length - 1), luhnValid);
    if (value !== undefined && !/^(\d)\1+$/.test(value)) return value;
  }
}

export function generateAbaRoutingNumber(random: Random): string {
  const prefixes = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '21', '22', '26', '31', '32', '61', '63', '67', '71', '80'];
  for (;;) {
    const value = completeWith(pick(random, prefixes) + randomDigits(random, 6), abaChecksumValid);
    if (value !== undefined) return value;
  }
}

export function generateAadhaar(random: Random): string {
  for (;;) {
    const body = String(randomInt(random, 2, 9)) + randomDigits(random, 10);
    const value = completeWith(body, isValidAadhaar);
    if (value !== undefined) return value;
  }
}

const ibanCountries: Array<[string, number, boolean]> = [['DE', 22, false], ['FR', 27, false], ['ES', 24, false], ['IT', 27, false], ['GB', 22, true], ['NL', 18, true], ['BE', 16, false], ['CH', 21, false]];

function ibanCheckDigits(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return String(98 - remainder).padStart(2, '0');
}

function randomBban(random: Random, length: number, bankLetters: boolean): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let bank = '';
  if (bankLetters) for (let index = 0; index < 4; index++) bank += letters[randomInt(random, 0, 25)];
  return bank + randomDigits(random, length - 4 - bank.length);
}

export function generateIban(random: Random): string {
  const [country, length, bankLetters] = pick(random, ibanCountries);
  const bban = randomBban(random, length, bankLetters);
  return country + ibanCheckDigits(country, bban) + bban;
}

/** An IBAN-shaped string with random check digits: a real country and length, so only mod-97 can reject it. */
export function generateIbanShaped(random: Random): string {
  const [country, length, bankLetters] = pick(random, ibanCountries);
  return country + randomDigits(random, 2) + randomBban(random, length, bankLetters);
}

export function generateSsn(random: Random): string {
  for (;;) {
    const area = randomInt(random, 1, 899);
    if (area === 666) continue;
    return `${String(area).padStart(3, '0')}-${String(randomInt(random, 1, 99)).padStart(2, '0')}-${String(randomInt(random, 1, 9999)).padStart(4, '0')}`;
  }
}

/** Groups of four separated by `separator`, the way identifiers are printed. */
export const groupDigits = (value: string, separator = ' ', size = 4): string =>
  value.replace(new RegExp(`(.{${size}})(?=.)`, 'g'), `$1${separator}`);
