import { describe, expect, it } from 'vitest';
import { secretsDetector, secretsParamsSchema, shannonEntropy } from './secrets.js';

const params = secretsParamsSchema.parse({});
const types = (text: string): string[] => secretsDetector.detect(text, params).findings.map((finding) => finding.type);
// Assembled at run time so the source holds no complete key shapes for secret scanners to trip on.
const fake = (prefix: string, body: string): string => prefix + body;

describe('secrets detector', () => {
  it('recognises provider keys by their documented prefixes', () => {
    expect(types(`key ${fake('AKIA', 'Z7QW3ERT5YU8IOPL')} here`)).toEqual(['AWS_ACCESS_KEY']);
    expect(types(`token ${fake('ghp_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8')}`)).toEqual(['GITHUB_TOKEN']);
    expect(types(`stripe.api_key = "${fake('sk_live_', '4eC39HqLyjWDarjtT1zdp7dc')}"`)).toEqual(['STRIPE_KEY']);
    expect(types(`OPENAI_API_KEY=${fake('sk-proj-', 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jKl0nOp3rSt6vWx9z')}`)).toEqual(['OPENAI_API_KEY']);
    expect(types(`maps ${fake('AIza', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q')}`)).toEqual(['GOOGLE_API_KEY']);
  });

  it('recognises private keys, JWTs and credentials in URLs', () => {
    const body = 'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMbRvI0MBZhpF\nQ2hbM6m1Dn7mpzTT1Kq8nbxKlzdoDcvCgmkKBXt7cLM5';
    expect(types(`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`)).toEqual(['PRIVATE_KEY']);
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const payload = Buffer.from('{"sub":"42","name":"Test"}').toString('base64url');
    expect(types(`Bearer-less ${header}.${payload}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`)).toEqual(['JWT']);
    expect(types('DATABASE_URL=postgres://app:Xk9mQ2vL7pW4z@db.internal.example.com:5432/ledger')).toEqual(['CREDENTIALS_IN_URL']);
  });

  it('recognises random-looking values assigned to secret names, not placeholders', () => {
    expect(types('client_secret: q8Zr2LmX0pVt7Ks4Nw1Yb6Hd')).toEqual(['GENERIC_SECRET']);
    expect(types('password: <your password here>')).toEqual([]);
    expect(types('API_KEY=${API_KEY}')).toEqual([]);
    expect(types('const token = process.env.GITHUB_TOKEN;')).toEqual([]);
  });

  it('ignores hashes, ids and documented examples', () => {
    expect(types('request 3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b completed')).toEqual([]);
    expect(types('commit 9fceb02d0ae598e95dc970b74767f19372d61af8')).toEqual([]);
    expect(types('AKIAIOSFODNN7EXAMPLE is the example key id in the AWS docs')).toEqual([]);
  });

  it('measures entropy in bits per character', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});
