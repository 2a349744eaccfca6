import type { ModelPrice, NormalizedUsage } from '@arbiter/shared';

export interface PriceEntry {
  price: ModelPrice;
  /** Long-context tier (Anthropic, Gemini): applies to the whole request once input exceeds 200k tokens. */
  priceAbove200k?: ModelPrice;
}

export interface CostBreakdown {
  /** Exact decimal strings, e.g. "0.000123", for headers and the database. */
  input: string;
  output: string;
  total: string;
}

/** Prices are held in units of 1e-9 USD per 1M tokens, so a token count times a price is an exact integer. */
const PRICE_SCALE_DIGITS = 9;
/** Cost = tokens × price / 1M → units of 1e-15 USD. */
const COST_SCALE_DIGITS = PRICE_SCALE_DIGITS + 6;

/**
 * Cost in USD, computed in integers and rendered as exact decimals: every cached or reasoning token is priced at its
 * own rate with no binary rounding. Cached input falls back to the input price and cache writes to the input price
 * when the catalog has no separate price (the provider then bills them as plain input).
 */
export function computeCost(usage: NormalizedUsage, entry: PriceEntry): CostBreakdown {
  const price = entry.priceAbove200k !== undefined && usage.input.total > 200_000 ? entry.priceAbove200k : entry.price;
  const inputPrice = toUnits(price.input_per_1m);
  const input =
    BigInt(usage.input.noCache) * inputPrice +
    BigInt(usage.input.cacheRead) * toUnits(price.cached_input_per_1m ?? price.input_per_1m) +
    BigInt(usage.input.cacheWrite) * toUnits(price.cache_write_per_1m ?? price.input_per_1m);
  const outputPrice = toUnits(price.output_per_1m);
  const output =
    BigInt(usage.output.text) * outputPrice +
    BigInt(usage.output.reasoning) * toUnits(price.reasoning_per_1m ?? price.output_per_1m);
  return { input: formatUnits(input), output: formatUnits(output), total: formatUnits(input + output) };
}

/** Prices seen so far → their units: a catalog has a few hundred prices, and every request converts five. */
const unitsByPrice = new Map<number, bigint>();

/** Converts a decimal price to integer units via its decimal text (0.15 → 150000000n), never through a float product. */
export function toUnits(pricePer1m: number): bigint {
  let units = unitsByPrice.get(pricePer1m);
  if (units === undefined) {
    units = convertToUnits(pricePer1m);
    if (unitsByPrice.size >= 10_000) unitsByPrice.clear();
    unitsByPrice.set(pricePer1m, units);
  }
  return units;
}

function convertToUnits(pricePer1m: number): bigint {
  const text = pricePer1m.toFixed(PRICE_SCALE_DIGITS + 3);
  const [whole = '0', fraction = ''] = text.split('.');
  const kept = fraction.slice(0, PRICE_SCALE_DIGITS);
  if (/[1-9]/.test(fraction.slice(PRICE_SCALE_DIGITS))) {
    throw new Error(`price ${pricePer1m} per 1M tokens has more than ${PRICE_SCALE_DIGITS} decimal places`);
  }
  return BigInt(whole + kept.padEnd(PRICE_SCALE_DIGITS, '0'));
}

function formatUnits(units: bigint): string {
  const text = units.toString().padStart(COST_SCALE_DIGITS + 1, '0');
  const whole = text.slice(0, -COST_SCALE_DIGITS);
  const fraction = text.slice(-COST_SCALE_DIGITS).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}
