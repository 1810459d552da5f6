import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bpToPercent,
  decimalToMinor,
  formatMoney,
  minorToDecimal,
  percentToBp,
} from '../../web/src/quotes/money.js';

/** The dashboard's money parsing: typed amounts become exact minor units, never through a float. */
describe('dashboard money', () => {
  it('parses decimal amounts exactly in the currency’s minor units', () => {
    expect(decimalToMinor('12.5', 'EUR')).toBe(1250);
    expect(decimalToMinor('12,50', 'EUR')).toBe(1250);
    expect(decimalToMinor('0.29', 'EUR')).toBe(29);
    expect(decimalToMinor('1200', 'JPY')).toBe(1200);
    expect(decimalToMinor('1.234', 'BHD')).toBe(1234);
    for (const refused of ['12.505', '1,234.50', '-1', '', '1e3', '12.5.0', ' . ', '1200.5']) {
      expect(decimalToMinor(refused, refused === '1200.5' ? 'JPY' : 'EUR'), refused).toBeNull();
    }
  });

  it('round-trips every amount through its decimal text', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000_000 }),
        fc.constantFrom('EUR', 'JPY', 'BHD'),
        (minor, currency) => {
          expect(decimalToMinor(minorToDecimal(minor, currency), currency)).toBe(minor);
        },
      ),
    );
  });

  it('turns percentages into basis points and back', () => {
    expect(percentToBp('22')).toBe(2200);
    expect(percentToBp('12,5')).toBe(1250);
    expect(percentToBp('')).toBe(0);
    expect(percentToBp('100.01')).toBeNull();
    expect(percentToBp('1.005')).toBeNull();
    expect(bpToPercent(2250)).toBe('22.5');
    expect(bpToPercent(0)).toBe('0');
    expect(bpToPercent(1000)).toBe('10');
  });

  it('formats with Intl from the exact decimal', () => {
    expect(formatMoney(123456789012345, 'EUR', 'en')).toBe('€1,234,567,890,123.45');
    expect(formatMoney(2590, 'BRL', 'pt-BR')).toBe('R$\u00a025,90');
  });
});
