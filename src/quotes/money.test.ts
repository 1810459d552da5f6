import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalToMinor, formatMoney, isKnownCurrency, minorDigits, minorToDecimal } from './money.js';
import { formatQuantity, parseQuantity } from './quantity.js';

describe('money', () => {
  it('knows minor-unit digits from ISO 4217 via Intl', () => {
    expect([minorDigits('EUR'), minorDigits('JPY'), minorDigits('BHD'), minorDigits('BRL')]).toEqual([
      2, 0, 3, 2,
    ]);
    expect(isKnownCurrency('BRL')).toBe(true);
    expect(isKnownCurrency('ABC')).toBe(false);
    expect(isKnownCurrency('eur')).toBe(false);
  });

  it('round-trips minor units through decimal text exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('EUR', 'JPY', 'BHD', 'BRL'),
        fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
        fc.bigInt({ min: 0n, max: 999n }),
        (currency, whole, fraction) => {
          // Amounts are accepted up to 15 whole digits in every currency; the property covers exactly that range.
          const scale = 10n ** BigInt(minorDigits(currency));
          const minor = whole * scale + (fraction % scale);
          expect(decimalToMinor(minorToDecimal(minor, currency), currency)).toBe(minor);
        },
      ),
    );
  });

  it('refuses a whole part beyond 15 digits rather than misreading it', () => {
    expect(decimalToMinor('999999999999999', 'JPY')).toBe(999999999999999n);
    expect(decimalToMinor('1000000000000000', 'JPY')).toBeUndefined();
    expect(decimalToMinor('1000000000000000.00', 'EUR')).toBeUndefined();
  });

  it('formats large amounts exactly, in the locale', () => {
    expect(formatMoney(900719925474099312n, 'EUR', 'en')).toBe('€9,007,199,254,740,993.12');
    expect(formatMoney(123456n, 'BRL', 'pt-BR')).toBe('R$\u00a01.234,56');
    expect(formatMoney(1234n, 'JPY', 'en')).toBe('¥1,234');
  });

  it('refuses amounts finer than the currency allows', () => {
    expect(decimalToMinor('1.234', 'EUR')).toBeUndefined();
    expect(decimalToMinor('1.5', 'JPY')).toBeUndefined();
    expect(decimalToMinor('abc', 'EUR')).toBeUndefined();
    expect(decimalToMinor('12,5', 'EUR')).toBe(1250n);
  });

  it('parses quantities with up to three decimals', () => {
    expect(parseQuantity('2.5')).toBe(2500n);
    expect(parseQuantity('0')).toBeUndefined();
    expect(parseQuantity('1.2345')).toBeUndefined();
    expect(parseQuantity('-1')).toBeUndefined();
    expect(formatQuantity(2500n)).toBe('2.5');
    expect(formatQuantity(3000n)).toBe('3');
  });
});
