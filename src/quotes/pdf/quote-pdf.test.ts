import { describe, expect, it } from 'vitest';
import { pdfText } from '../../../test/support/pdf-text.js';
import { buildQuoteDocument } from '../quote-document.js';
import type { Quote, QuoteLine, QuoteVersion } from '../quotes.table.js';
import { renderTemplate, toPlainText } from '../templates/quote-templates.js';
import { computeTotals } from '../totals.js';
import { renderQuotePdf } from './quote-pdf.js';

const quote = { id: 'q', number: '2026-0042', conversationId: null, contactId: null } as unknown as Quote;

function line(
  position: number,
  name: string,
  priceMinor: number,
  quantityMilli: number,
  taxRateBp = 2200,
): QuoteLine {
  return {
    position,
    name,
    sku: `SKU-${position}`,
    unit: 'm²',
    unitPriceMinor: String(priceMinor),
    quantityMilli: String(quantityMilli),
    discountBp: 0,
    taxRateBp,
    note: '',
  } as unknown as QuoteLine;
}

async function render(lines: QuoteLine[], locale: string, contactName: string) {
  const version = {
    version: 2,
    locale,
    currency: locale === 'pt-BR' ? 'BRL' : 'EUR',
    validUntil: '2026-12-31',
    notes: 'Entrega incluída',
    discountBp: 500,
  } as unknown as QuoteVersion;
  const totals = computeTotals(
    lines.map((l) => ({
      unitPriceMinor: BigInt(l.unitPriceMinor),
      quantityMilli: BigInt(l.quantityMilli),
      discountBp: 0,
      taxRateBp: l.taxRateBp,
    })),
    500,
  );
  const document = buildQuoteDocument({
    businessName: 'Cerâmica São João',
    contactName,
    quote,
    version,
    lines,
    totals,
    link: 'https://x.test/q/t',
  });
  const intro = toPlainText(await renderTemplate('document', null, document.locale, document.data));
  const pdf = await renderQuotePdf({
    document,
    introText: intro,
    logo: null,
    createdAt: new Date('2026-12-01T00:00:00Z'),
  });
  return { pdf, text: (await pdfText(pdf)).join('\n'), document };
}

describe('quote PDF', () => {
  it('prints accented text, the lines and totals in the locale, with the printed total the sum of its parts', async () => {
    const { pdf, text, document } = await render(
      [line(0, 'Piso cerâmico açaí', 2590, 12_500), line(1, 'Mão de obra è', 4000, 3000, 1000)],
      'pt-BR',
      'João Conceição',
    );
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    for (const expected of [
      'Cerâmica São João',
      'Orçamento 2026-0042',
      'Piso cerâmico açaí',
      'Mão de obra è',
      'João Conceição',
      '31 de dezembro de 2026',
    ]) {
      expect(text).toContain(expected);
    }
    // 12.5 × 25.90 = 323.75; 3 × 40.00 = 120.00; subtotal 443.75; 5 % off = 22.19.
    expect(document.data.quote.subtotal).toBe('R$\u00a0443,75');
    expect(text).toContain('443,75');
    expect(text).toContain('22,19');
    expect(text).toContain(document.data.quote.total.replace('R$\u00a0', ''));
  });

  it('prints a contact or item named <script> as text', async () => {
    const { text } = await render([line(0, '<script>alert(1)</script>', 100, 1000)], 'en', '<b>Eve</b>');
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('<b>Eve</b>');
    expect(text).not.toContain('&lt;');
  });

  it('breaks a 60-line quote across pages and keeps every line', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => line(i, `Item número ${i + 1}`, 1000 + i, 1000));
    const { pdf } = await render(lines, 'it', 'Lucia');
    const pages = await pdfText(pdf);
    expect(pages.length).toBeGreaterThan(1);
    for (let i = 1; i <= 60; i++) expect(pages.join('\n')).toContain(`Item número ${i}`);
  });
});
