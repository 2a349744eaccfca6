import type { Finding } from '../detector.js';
import { findContext } from '../text/context.js';
import { anchorPattern, matchAllInRanges, mergeRanges } from '../text/anchored-search.js';
import { coverRest, type PiiOptions, type Recognizer } from './recognizer.js';

const octet = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ipv4Pattern = new RegExp(`(?<![\\w.])(?:${octet}\\.){3}${octet}(?:\\/(?:3[0-2]|[12]?\\d))?(?![\\w]|\\.\\d)`, 'g');
// A run of hex digits, colons and dots containing a colon, then an optional zone id ("%eth0", "%25en0") and prefix
// length. Node's own parser decides whether the run is an address.
const ipv6Candidate =
  /(?<![\w:.%])(?=[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:.]{2,45}(?:%(?:25)?[0-9A-Za-z._~-]{1,32})?(?:\/\d{1,3})?/g;
const ipContext = {
  positive:
    /\b(?:ip|ips|ipv4|ipv6|address|addr|host|hostname|server|client|subnet|cidr|gateway|dns|ping|ssh|connect\w*|firewall|vpn|proxy|login|logged|source|destination|src|dst|remote|origin)\b/,
  negative: /\b(?:version|ver|v|release|build|firmware|chrome|python|node|java|ios|android|update|section|chapter|figure|table)\b/,
};

const dottedQuad = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

const isHex = (code: number): boolean => (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 102);

/**
 * RFC 4291 text forms: eight groups of one to four hex digits, or fewer around one "::", the last 32 bits optionally
 * written as a dotted IPv4 address. One pass, no allocation: thousands of candidates stay cheap.
 */
export function isIpv6Address(address: string): boolean {
  let groups = 0;
  let compressed = false;
  let digits = 0;
  let index = 0;
  if (address.startsWith('::')) {
    compressed = true;
    index = 2;
    if (address.length === 2) return true;
  } else if (address.startsWith(':')) return false;
  for (; index < address.length; index++) {
    const code = address.charCodeAt(index);
    if (isHex(code)) {
      if (++digits > 4) return false;
    } else if (code === 58) {
      if (digits === 0) {
        // "::" once, and not a third colon.
        if (compressed || address.charCodeAt(index - 1) !== 58 || index < 1) return false;
        compressed = true;
      } else {
        groups++;
        digits = 0;
        if (address.charCodeAt(index + 1) === 58) {
          if (compressed) return false;
          compressed = true;
          index++;
          if (index === address.length - 1) return groups <= 7;
        }
      }
    } else if (code === 46) {
      // The rest is a dotted quad in place of the last two groups.
      const start = address.lastIndexOf(':', index) + 1;
      if (!dottedQuad.test(address.slice(start))) return false;
      groups += 2;
      return compressed ? groups <= 7 : groups === 8;
    } else return false;
  }
  if (digits === 0) return false;
  groups++;
  return compressed ? groups <= 7 : groups === 8;
}

export interface ParsedIpv6 {
  address: string;
  zone: string | undefined;
  prefixLength: number | undefined;
}

/** Splits "fe80::1%eth0/64" into its parts and validates the address; undefined when it is not IPv6. */
export function parseIpv6(value: string): ParsedIpv6 | undefined {
  const slash = value.lastIndexOf('/');
  let prefixLength: number | undefined;
  let rest = value;
  if (slash !== -1) {
    prefixLength = Number(value.slice(slash + 1));
    if (!Number.isInteger(prefixLength) || prefixLength > 128) return undefined;
    rest = value.slice(0, slash);
  }
  const percent = rest.indexOf('%');
  const address = percent === -1 ? rest : rest.slice(0, percent);
  const zone = percent === -1 ? undefined : rest.slice(percent + 1);
  if (address === '::' || !isIpv6Address(address)) return undefined;
  return { address, zone, prefixLength };
}

/** IPv6 addresses are always masked whole by redaction, whatever the mode. */
export function isIpv6Value(value: string): boolean {
  return value.includes(':');
}

const anchoredIpv6 = anchorPattern(ipv6Candidate, []);

/** Whether at least `count` colons follow a hex digit ("fe80:", "db8:"): IPv6 groups, but also MAC addresses and times. */
function hasHexColons(text: string, count: number): boolean {
  let found = 0;
  for (let colon = text.indexOf(':', 1); colon !== -1; colon = text.indexOf(':', colon + 1)) {
    if (isHex(text.charCodeAt(colon - 1)) && ++found >= count) return true;
  }
  return false;
}
const isHexColonOrDot = (code: number): boolean => isHex(code) || code === 58 || code === 46;

/**
 * Where a candidate can start: the look-behind puts it at the start of a run of hex digits, colons and dots, and the
 * look-ahead wants a colon after at most four hex digits there. Runs are found from the colons, once each.
 */
function ipv6Starts(text: string): readonly number[] | undefined {
  const starts: number[] = [];
  for (let colon = text.indexOf(':'); colon !== -1; ) {
    let start = colon;
    while (start > 0 && isHexColonOrDot(text.charCodeAt(start - 1))) start--;
    let end = colon + 1;
    while (end < text.length && isHexColonOrDot(text.charCodeAt(end))) end++;
    let offset = start;
    while (offset < start + 4 && isHex(text.charCodeAt(offset))) offset++;
    // The look-behind, checked here rather than by a call: no letter, digit, "_" or "%" before ("Date:", "te:").
    if (text.charCodeAt(offset) === 58 && (start === 0 || !/[\w%]/.test(text[start - 1]!))) starts.push(start, start);
    colon = text.indexOf(':', end);
  }
  return mergeRanges(starts, anchoredIpv6.reach!, text.length);
}

function recognizeIpv6(text: string, findings: Finding[], options: PiiOptions): void {
  for (const match of matchAllInRanges(text, anchoredIpv6, ipv6Starts(text))) {
    if (coverRest(findings, options, text, 'IP_ADDRESS')) break;
    let value = match[0];
    // Sentence punctuation after an address ("…::1.") is not part of it.
    let parsed = parseIpv6(value);
    while (parsed === undefined && /[.:]$/.test(value) && value.length > 2) {
      value = value.slice(0, -1);
      parsed = parseIpv6(value);
    }
    if (parsed === undefined) continue;
    let groups = 0;
    for (let index = 0; index < parsed.address.length; index++) {
      if (isHex(parsed.address.charCodeAt(index)) && (index === 0 || parsed.address.charCodeAt(index - 1) === 58)) groups++;
    }
    const start = match.index;
    const end = start + value.length;
    const context = findContext(text, start, end, ipContext);
    // "a::b" in prose is more often notation than an address; full addresses are unmistakable.
    let score = groups >= 3 || parsed.address.includes('.') ? 0.85 : 0.45;
    if (context.positive) score += 0.3;
    findings.push({ type: 'IP_ADDRESS', start, end, score: Math.min(1, score) });
  }
}

export const ipAddressRecognizer: Recognizer = {
  types: ['IP_ADDRESS'],
  mayMatch: (text) => text.includes('.') || text.includes(':'),
  recognize(text, options) {
    const findings: Finding[] = [];
    if (/\d\.\d/.test(text)) {
      for (const match of text.matchAll(ipv4Pattern)) {
        if (coverRest(findings, options, text, 'IP_ADDRESS')) break;
        const start = match.index;
        const end = start + match[0].length;
        const context = findContext(text, start, end, ipContext);
        let score = 0.6;
        if (context.positive) score += 0.3;
        else if (context.negative) score -= 0.35;
        findings.push({ type: 'IP_ADDRESS', start, end, score });
      }
    }
    // An IPv6 address has "::" or seven colons.
    if (text.includes('::') || hasHexColons(text, 7)) {
      recognizeIpv6(text, findings, options);
    }
    return findings;
  },
};
