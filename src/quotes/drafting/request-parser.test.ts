import { describe, expect, it } from 'vitest';
import { parseRequest } from './request-parser.js';

describe('reading a customer request', () => {
  it('finds quantities and item words in Portuguese, English, Italian and Spanish', () => {
    expect(parseRequest('Preciso de 12 m² de piso cerâmico e 2 rodapés')).toEqual([
      { quantity: '12', words: 'piso cerâmico' },
      { quantity: '2', words: 'rodapés' },
    ]);
    expect(parseRequest('3 office chairs and a desk, please')).toEqual([
      { quantity: '3', words: 'office chairs' },
      { quantity: '1', words: 'desk' },
    ]);
    expect(parseRequest('vorrei 2,5 kg di caffè')).toEqual([{ quantity: '2.5', words: 'caffè' }]);
    expect(parseRequest('necesito 4 sillas')).toEqual([{ quantity: '4', words: 'sillas' }]);
  });

  it('finds nothing in text without item words', () => {
    expect(parseRequest('12')).toEqual([]);
    expect(parseRequest('')).toEqual([]);
    expect(parseRequest('ok, hi')).toEqual([]);
  });
});
