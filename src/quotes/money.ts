/**
 * Money is an integer count of the currency's minor units (cents), held as bigint while computing and as
 * a safe-integer number at the API. Nothing here ever touches a floating-point amount: formatting hands
 * Intl a decimal string, which Intl.NumberFormat formats exactly.
 */

const digitsCache = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, BHD 3), from the ICU data Node ships. */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** True for a code Intl knows as a currency (a made-up code such as "ABC" is refused). */
export function isKnownCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  return (Intl.supportedValuesOf('currency') as string[]).includes(code);
}

/** "1234" minor units of EUR → "12.34": the exact decimal, for Intl or a CSV. */
export function minorToDecimal(minor: bigint, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${text.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** "12.34" (or "12,34") in major units → 1234n minor units; undefined when not an exact amount. */
export function decimalToMinor(text: string, currency: string): bigint | undefined {
  const digits = minorDigits(currency);
  const match = /^(\d{1,15})(?:[.,](\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  return BigInt(match[1] as string) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
}

export function formatMoney(minor: bigint, currency: string, locale: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  // Intl.NumberFormat accepts decimal strings exactly (ECMA-402 "Intl.NumberFormat v3", Node 20+).
  return format.format(minorToDecimal(minor, currency) as unknown as number);
}

/** A safe-integer number for JSON; throws on values beyond 2^53 (limits keep totals far below). */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError('amount beyond the safe integer range');
  }
  return Number(value);
}
