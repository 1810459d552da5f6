/** Quantities are exact thousandths of a unit ("2.5" m² is 2500): a decimal string at the API. */
export const QUANTITY_SCALE = 1000n;
/** At most 1,000,000 units with three decimals. */
export const MAX_QUANTITY_MILLI = 1_000_000_000n;

export function parseQuantity(text: string): bigint | undefined {
  const match = /^(\d{1,7})(?:[.,](\d{1,3}))?$/.exec(text.trim());
  if (!match) return undefined;
  const milli = BigInt(match[1] as string) * QUANTITY_SCALE + BigInt((match[2] ?? '').padEnd(3, '0'));
  return milli > 0n && milli <= MAX_QUANTITY_MILLI ? milli : undefined;
}

/** 2500n → "2.5", 3000n → "3". */
export function formatQuantity(milli: bigint): string {
  const whole = milli / QUANTITY_SCALE;
  const fraction = (milli % QUANTITY_SCALE).toString().padStart(3, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

/** The quantity for display in a locale (Intl formats decimal strings exactly). */
export function formatQuantityLocale(milli: bigint, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(
    formatQuantity(milli) as unknown as number,
  );
}
