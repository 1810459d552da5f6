/**
 * Every figure of a quote, computed in one place with exact integer arithmetic (bigint minor units).
 *
 * - A line's amount (what its row prints, before tax) is unit price × quantity, rounded half up to a
 *   minor unit, less its own discount (also rounded half up).
 * - The whole-quote discount is a percentage of the subtotal, rounded half up once, then shared among the
 *   lines in proportion to their amounts by largest remainder, so the shares add up to it exactly.
 * - Tax is computed once per rate on the discounted amounts of that rate's lines (one rounding per
 *   printed tax row, not per line), and the printed total is subtotal − discount + the tax rows.
 * So the printed total always equals the sum of the printed lines, less the printed discount, plus the
 * printed tax rows: nothing is rounded twice and nothing is left to a reader's arithmetic.
 */

const BP = 10_000n;
const MILLI = 1000n;

export interface TotalsLineInput {
  unitPriceMinor: bigint;
  quantityMilli: bigint;
  /** Basis points of the line's amount taken off. */
  discountBp: number;
  taxRateBp: number;
}

export interface LineFigures {
  /** unit price × quantity, rounded. */
  grossMinor: bigint;
  lineDiscountMinor: bigint;
  /** The printed line amount: gross − line discount. */
  amountMinor: bigint;
  /** This line's share of the whole-quote discount. */
  quoteDiscountShareMinor: bigint;
}

export interface TaxRow {
  rateBp: number;
  baseMinor: bigint;
  taxMinor: bigint;
}

export interface QuoteTotals {
  lines: LineFigures[];
  subtotalMinor: bigint;
  discountMinor: bigint;
  taxes: TaxRow[];
  taxMinor: bigint;
  totalMinor: bigint;
}

/** a / b rounded half up, for a ≥ 0 and b > 0. */
export function divRound(a: bigint, b: bigint): bigint {
  return (2n * a + b) / (2n * b);
}

function checkLine(line: TotalsLineInput): void {
  if (line.unitPriceMinor < 0n || line.quantityMilli <= 0n)
    throw new RangeError('negative price or quantity');
  for (const bp of [line.discountBp, line.taxRateBp]) {
    if (!Number.isInteger(bp) || bp < 0 || bp > 10_000) throw new RangeError('basis points out of range');
  }
}

/** Splits `amount` among `weights` in proportion, by largest remainder; the parts sum to `amount`. */
export function allocate(amount: bigint, weights: readonly bigint[]): bigint[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0n);
  if (total === 0n) return weights.map(() => 0n);
  const parts = weights.map((weight) => (amount * weight) / total);
  const remainders = weights.map((weight, index) => ({ index, rest: (amount * weight) % total }));
  let left = amount - parts.reduce((sum, part) => sum + part, 0n);
  // Largest remainder first; ties go to the earlier line, so the result is deterministic.
  remainders.sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1));
  for (const { index } of remainders) {
    if (left === 0n) break;
    parts[index] = (parts[index] as bigint) + 1n;
    left -= 1n;
  }
  return parts;
}

export function computeTotals(lines: readonly TotalsLineInput[], quoteDiscountBp: number): QuoteTotals {
  if (!Number.isInteger(quoteDiscountBp) || quoteDiscountBp < 0 || quoteDiscountBp > 10_000) {
    throw new RangeError('basis points out of range');
  }
  const figures = lines.map((line) => {
    checkLine(line);
    const grossMinor = divRound(line.unitPriceMinor * line.quantityMilli, MILLI);
    const lineDiscountMinor = divRound(grossMinor * BigInt(line.discountBp), BP);
    return { grossMinor, lineDiscountMinor, amountMinor: grossMinor - lineDiscountMinor };
  });
  const subtotalMinor = figures.reduce((sum, line) => sum + line.amountMinor, 0n);
  const discountMinor = divRound(subtotalMinor * BigInt(quoteDiscountBp), BP);
  const shares = allocate(
    discountMinor,
    figures.map((line) => line.amountMinor),
  );

  const bases = new Map<number, bigint>();
  lines.forEach((line, index) => {
    const base = (figures[index] as (typeof figures)[number]).amountMinor - (shares[index] as bigint);
    bases.set(line.taxRateBp, (bases.get(line.taxRateBp) ?? 0n) + base);
  });
  const taxes = [...bases.entries()]
    .sort(([a], [b]) => a - b)
    .map(([rateBp, baseMinor]) => ({
      rateBp,
      baseMinor,
      taxMinor: divRound(baseMinor * BigInt(rateBp), BP),
    }));
  const taxMinor = taxes.reduce((sum, row) => sum + row.taxMinor, 0n);

  return {
    lines: figures.map((line, index) => ({ ...line, quoteDiscountShareMinor: shares[index] as bigint })),
    subtotalMinor,
    discountMinor,
    taxes,
    taxMinor,
    totalMinor: subtotalMinor - discountMinor + taxMinor,
  };
}
