/**
 * Money in the dashboard: integer minor units, as the API holds them (ADR 0022). Amounts typed by people
 * are parsed as decimal strings, digit by digit, and formatted by handing Intl an exact decimal string:
 * no floating-point amount anywhere.
 */

/** Minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, BHD 3), from the browser's ICU data. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits as number;
}

/** An exact decimal string with `digits` decimals: 1234, 2 → "12.34". */
export function scaledToDecimal(value: number, digits: number): string {
  const negative = value < 0;
  const text = String(Math.abs(value)).padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${text.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/**
 * "12.5" or "12,50" with at most `digits` decimals → 1250 (an integer count of 10^-digits); null when
 * the text is not such a number. Thousands separators are refused rather than guessed.
 */
export function decimalToScaled(text: string, digits: number): number | null {
  const match = /^(\d{1,13})(?:[.,](\d*))?$/.exec(text.trim());
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const value =
    BigInt(match[1] as string) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(value);
}

export const minorToDecimal = (minor: number, currency: string) =>
  scaledToDecimal(minor, minorDigits(currency));

export const decimalToMinor = (text: string, currency: string) =>
  decimalToScaled(text, minorDigits(currency));

/** Basis points as a percentage text: 2250 → "22.5". */
export function bpToPercent(bp: number): string {
  return scaledToDecimal(bp, 2).replace(/\.?0+$/, '');
}

/** "22.5" (or "22,5") percent → 2250 basis points; null beyond two decimals or 100 %. */
export function percentToBp(text: string): number | null {
  if (text.trim() === '') return 0;
  const bp = decimalToScaled(text, 2);
  return bp === null || bp > 10_000 ? null : bp;
}

export function formatMoney(minor: number, currency: string, locale?: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  // Intl.NumberFormat formats decimal strings exactly (ECMA-402 NumberFormat v3).
  return format.format(minorToDecimal(minor, currency) as unknown as number);
}
