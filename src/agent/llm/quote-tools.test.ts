import { describe, expect, it } from 'vitest';
import { QUOTE_TOOLS, statesPrice } from './quote-tools.js';

describe('statesPrice', () => {
  it('catches amounts with a currency, whatever the catalog', () => {
    for (const reply of ['O total fica R$ 499,00', 'That is 120 EUR', 'Sono 1.299,00 €', 'only $5']) {
      expect(statesPrice(reply, [])).toBe(true);
    }
  });

  it('catches a bare number equal to a drafted price, in either decimal style', () => {
    expect(statesPrice('Cada metro sai por 49,90', [4990n])).toBe(true);
    expect(statesPrice('Each is 12.50', [1250n])).toBe(true);
    expect(statesPrice('1.250,00 each', [125000n])).toBe(true);
  });

  it('lets quantities and neutral text through', () => {
    expect(statesPrice('Preparing a quote for 12 m² of tiles and 2 skirtings', [4990n, 1250n])).toBe(false);
    expect(statesPrice('A quote is being prepared.', [4990n])).toBe(false);
  });
});

describe('the tools offered', () => {
  it('ask for no price anywhere and refuse extra fields', () => {
    const schemas = JSON.stringify(QUOTE_TOOLS.map((tool) => tool.parameters));
    expect(schemas).not.toMatch(/price|total|amount/i);
    expect(schemas).toContain('"additionalProperties":false');
    expect(QUOTE_TOOLS.map((tool) => tool.name)).toEqual(['search_catalog', 'propose_quote']);
  });
});
