import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, computeTotals, divRound, type TotalsLineInput } from './totals.js';

const line = fc.record({
  unitPriceMinor: fc.bigInt({ min: 0n, max: 10_000_000_000n }),
  quantityMilli: fc.bigInt({ min: 1n, max: 1_000_000_000n }),
  discountBp: fc.integer({ min: 0, max: 10_000 }),
  taxRateBp: fc.constantFrom(0, 400, 500, 1000, 2100, 2200, 2300, 1750),
});
const quote = fc.record({
  lines: fc.array(line, { minLength: 0, maxLength: 60 }),
  discountBp: fc.integer({ min: 0, max: 10_000 }),
});
const sum = (values: readonly bigint[]) => values.reduce((a, b) => a + b, 0n);

describe('quote totals', () => {
  it('the printed total is the sum of the printed lines, less the printed discount, plus the printed tax rows', () => {
    fc.assert(
      fc.property(quote, ({ lines, discountBp }) => {
        const totals = computeTotals(lines, discountBp);
        expect(totals.subtotalMinor).toBe(sum(totals.lines.map((l) => l.amountMinor)));
        expect(totals.taxMinor).toBe(sum(totals.taxes.map((t) => t.taxMinor)));
        expect(totals.totalMinor).toBe(totals.subtotalMinor - totals.discountMinor + totals.taxMinor);
      }),
    );
  });

  it('shares of the whole-quote discount add up to it and tax bases add up to the discounted subtotal', () => {
    fc.assert(
      fc.property(quote, ({ lines, discountBp }) => {
        const totals = computeTotals(lines, discountBp);
        expect(sum(totals.lines.map((l) => l.quoteDiscountShareMinor))).toBe(totals.discountMinor);
        expect(sum(totals.taxes.map((t) => t.baseMinor))).toBe(totals.subtotalMinor - totals.discountMinor);
        for (const l of totals.lines) {
          expect(l.quoteDiscountShareMinor >= 0n && l.quoteDiscountShareMinor <= l.amountMinor).toBe(true);
        }
      }),
    );
  });

  it('no figure is negative and discounts never exceed what they discount', () => {
    fc.assert(
      fc.property(quote, ({ lines, discountBp }) => {
        const totals = computeTotals(lines, discountBp);
        for (const l of totals.lines) {
          expect(l.amountMinor >= 0n && l.lineDiscountMinor <= l.grossMinor).toBe(true);
        }
        expect(totals.discountMinor <= totals.subtotalMinor).toBe(true);
        expect(totals.totalMinor >= 0n && totals.taxMinor >= 0n).toBe(true);
      }),
    );
  });

  it('the order of the lines does not change the total', () => {
    fc.assert(
      fc.property(quote, ({ lines, discountBp }) => {
        const reversed = computeTotals([...lines].reverse(), discountBp);
        expect(reversed.totalMinor).toBe(computeTotals(lines, discountBp).totalMinor);
      }),
    );
  });

  it('more of a line never lowers the total', () => {
    fc.assert(
      fc.property(quote, fc.nat({ max: 59 }), fc.bigInt({ min: 1n, max: 1_000_000n }), (q, at, extra) => {
        fc.pre(q.lines.length > 0);
        const index = at % q.lines.length;
        const more: TotalsLineInput[] = q.lines.map((l, i) =>
          i === index ? { ...l, quantityMilli: l.quantityMilli + extra } : l,
        );
        expect(
          computeTotals(more, q.discountBp).totalMinor >= computeTotals(q.lines, q.discountBp).totalMinor,
        ).toBe(true);
      }),
    );
  });

  it('without discounts or tax, the total is each unit price times its quantity, rounded once per line', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const plain = lines.map((l) => ({ ...l, discountBp: 0, taxRateBp: 0 }));
        const expected = sum(plain.map((l) => divRound(l.unitPriceMinor * l.quantityMilli, 1000n)));
        expect(computeTotals(plain, 0).totalMinor).toBe(expected);
      }),
    );
  });

  it('allocation is exact and proportional within one minor unit', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 40 }),
        (amount, weights) => {
          const total = sum(weights);
          fc.pre(total >= amount);
          const parts = allocate(amount, weights);
          expect(sum(parts)).toBe(total === 0n ? 0n : amount);
          parts.forEach((part, i) => {
            const exact = (amount * (weights[i] as bigint)) / (total || 1n);
            expect(part - exact >= 0n && part - exact <= 1n).toBe(true);
          });
        },
      ),
    );
  });

  it('a worked example: 22 % VAT on 3 × 9.99 with 10 % off the line and 5 % off the quote', () => {
    const totals = computeTotals(
      [{ unitPriceMinor: 999n, quantityMilli: 3000n, discountBp: 1000, taxRateBp: 2200 }],
      500,
    );
    // 29.97 − 3.00 = 26.97; 5 % of it is 1.35; 25.62 × 22 % = 5.6364 → 5.64; total 31.26.
    expect(totals.lines[0]?.amountMinor).toBe(2697n);
    expect(totals.discountMinor).toBe(135n);
    expect(totals.taxes).toEqual([{ rateBp: 2200, baseMinor: 2562n, taxMinor: 564n }]);
    expect(totals.totalMinor).toBe(3126n);
  });

  it('refuses out-of-range basis points and non-positive quantities', () => {
    expect(() => computeTotals([], 10_001)).toThrow(RangeError);
    expect(() =>
      computeTotals([{ unitPriceMinor: 1n, quantityMilli: 0n, discountBp: 0, taxRateBp: 0 }], 0),
    ).toThrow(RangeError);
  });
});
