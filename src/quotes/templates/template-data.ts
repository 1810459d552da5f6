/**
 * What a template can read: pre-formatted strings only (money and dates already in the workspace's
 * locale), so no template can do arithmetic on money or reach an object's internals.
 */
export interface TemplateData {
  business: { name: string };
  /** `fields`: the workspace's custom fields by key, formatted ('' when the contact has none). */
  contact: { name: string; fields: Record<string, string> };
  quote: {
    number: string;
    version: string;
    currency: string;
    valid_until: string;
    subtotal: string;
    discount: string;
    tax: string;
    total: string;
    notes: string;
    link: string;
  };
  lines: {
    sku: string;
    name: string;
    quantity: string;
    unit: string;
    unit_price: string;
    discount: string;
    amount: string;
    note: string;
  }[];
  taxes: { rate: string; base: string; tax: string }[];
}

export function sampleTemplateData(fields: Record<string, string> = {}): TemplateData {
  return {
    business: { name: 'Acme Tiles' },
    contact: { name: 'Maria da Conceição', fields },
    quote: {
      number: '2026-0042',
      version: '1',
      currency: 'EUR',
      valid_until: '31 December 2026',
      subtotal: '€1,200.00',
      discount: '€60.00',
      tax: '€250.80',
      total: '€1,390.80',
      notes: 'Delivery included.',
      link: 'https://example.com/q/sample',
    },
    lines: [
      {
        sku: 'TILE-30',
        name: 'Ceramic tile 30×30',
        quantity: '40',
        unit: 'm²',
        unit_price: '€25.00',
        discount: '0%',
        amount: '€1,000.00',
        note: '',
      },
      {
        sku: 'LAY',
        name: 'Laying',
        quantity: '8',
        unit: 'h',
        unit_price: '€25.00',
        discount: '0%',
        amount: '€200.00',
        note: '',
      },
    ],
    taxes: [{ rate: '22%', base: '€1,140.00', tax: '€250.80' }],
  };
}
