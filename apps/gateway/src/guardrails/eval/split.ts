import { createHash } from 'node:crypto';

/**
 * The attack and benign sets are split once more, into a development half (whose misses may be read when a feature is
 * designed) and a held-out half (scored, never read), so that a gain that only holds on the texts looked at shows up
 * as a gap between the two. The half is the low bit of SHA-256 over a fixed salt and the text: deterministic, stable
 * when rows are added, and independent of file order.
 */
export type Half = 'dev' | 'heldout';

const salt = 'arbiter-guardrails-half-v1\u0000';

export function halfOf(text: string): Half {
  const digest = createHash('sha256').update(salt).update(text).digest();
  return (digest[0]! & 1) === 0 ? 'dev' : 'heldout';
}

export function splitHalves<Item>(items: readonly Item[], key: (item: Item) => string): Record<Half, Item[]> {
  const halves: Record<Half, Item[]> = { dev: [], heldout: [] };
  for (const item of items) halves[halfOf(key(item))].push(item);
  return halves;
}
