/** 15 decimal places: the scale of the pipeline's exact costs (1e-15 USD). */
const SCALE_DIGITS = 15;

/** Sums exact decimal USD strings ("0.000123") without binary rounding, then returns the sum as a number. */
export function sumDecimals(values: readonly string[]): number {
  let units = 0n;
  for (const value of values) units += toUnits(value);
  const negative = units < 0n;
  const text = (negative ? -units : units).toString().padStart(SCALE_DIGITS + 1, '0');
  return Number(`${negative ? '-' : ''}${text.slice(0, -SCALE_DIGITS)}.${text.slice(-SCALE_DIGITS)}`);
}

function toUnits(value: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (match === null) throw new Error(`not a decimal amount: ${value}`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const units = BigInt(whole + fraction.slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, '0'));
  return sign === '-' ? -units : units;
}
