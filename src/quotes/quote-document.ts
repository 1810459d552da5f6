import { formatMoney } from './money.js';
import { formatQuantityLocale } from './quantity.js';
import type { Quote, QuoteLine, QuoteVersion } from './quotes.table.js';
import type { TemplateLocale } from './templates/default-templates.js';
import type { TemplateData } from './templates/template-data.js';
import type { QuoteTotals } from './totals.js';

/** Everything a quote's outputs print, formatted once in the quote's locale (Intl), as strings. */
export interface QuoteDocument {
  locale: TemplateLocale;
  data: TemplateData;
  labels: DocumentLabels;
  /** Each line's tax rate, formatted (templates see the tax rows; the PDF's table shows each line's). */
  lineTaxRates: string[];
  hasQuoteDiscount: boolean;
}

export interface DocumentLabels {
  title: string;
  version: string;
  item: string;
  quantity: string;
  unitPrice: string;
  discount: string;
  tax: string;
  amount: string;
  subtotal: string;
  quoteDiscount: string;
  taxRow: string;
  total: string;
  validUntil: string;
}

const LABELS: Record<TemplateLocale, DocumentLabels> = {
  en: {
    title: 'Quote',
    version: 'version',
    item: 'Item',
    quantity: 'Qty',
    unitPrice: 'Unit price',
    discount: 'Disc.',
    tax: 'Tax',
    amount: 'Amount',
    subtotal: 'Subtotal',
    quoteDiscount: 'Discount',
    taxRow: 'Tax',
    total: 'Total',
    validUntil: 'Valid until',
  },
  it: {
    title: 'Preventivo',
    version: 'versione',
    item: 'Articolo',
    quantity: 'Q.tà',
    unitPrice: 'Prezzo unit.',
    discount: 'Sconto',
    tax: 'IVA',
    amount: 'Importo',
    subtotal: 'Imponibile',
    quoteDiscount: 'Sconto',
    taxRow: 'IVA',
    total: 'Totale',
    validUntil: 'Valido fino al',
  },
  'pt-BR': {
    title: 'Orçamento',
    version: 'versão',
    item: 'Item',
    quantity: 'Qtd.',
    unitPrice: 'Preço unit.',
    discount: 'Desc.',
    tax: 'Imposto',
    amount: 'Valor',
    subtotal: 'Subtotal',
    quoteDiscount: 'Desconto',
    taxRow: 'Imposto',
    total: 'Total',
    validUntil: 'Válido até',
  },
  es: {
    title: 'Presupuesto',
    version: 'versión',
    item: 'Artículo',
    quantity: 'Cant.',
    unitPrice: 'Precio unit.',
    discount: 'Dto.',
    tax: 'IVA',
    amount: 'Importe',
    subtotal: 'Subtotal',
    quoteDiscount: 'Descuento',
    taxRow: 'IVA',
    total: 'Total',
    validUntil: 'Válido hasta',
  },
};

/** Basis points as a percentage in the locale (2200 → "22%", 550 → "5.5%"), exactly. */
export function formatRate(bp: number, locale: string): string {
  const decimal = `${Math.trunc(bp / 10_000)}.${String(bp % 10_000).padStart(4, '0')}`;
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(
    decimal as unknown as number,
  );
}

export function formatDate(date: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

export function buildQuoteDocument(input: {
  businessName: string;
  contactName: string;
  /** The contact's custom fields, formatted for templates (contacts/custom-fields). */
  contactFields?: Record<string, string>;
  quote: Quote;
  version: QuoteVersion;
  lines: QuoteLine[];
  totals: QuoteTotals;
  link: string;
}): QuoteDocument {
  const { version, totals } = input;
  const locale = version.locale as TemplateLocale;
  const money = (minor: bigint) => formatMoney(minor, version.currency, locale);
  return {
    locale,
    labels: LABELS[locale] ?? LABELS.en,
    lineTaxRates: input.lines.map((line) => formatRate(line.taxRateBp, locale)),
    hasQuoteDiscount: totals.discountMinor > 0n,
    data: {
      business: { name: input.businessName },
      contact: { name: input.contactName, fields: input.contactFields ?? {} },
      quote: {
        number: input.quote.number,
        version: String(version.version),
        currency: version.currency,
        valid_until: formatDate(version.validUntil, locale),
        subtotal: money(totals.subtotalMinor),
        discount: money(totals.discountMinor),
        tax: money(totals.taxMinor),
        total: money(totals.totalMinor),
        notes: version.notes,
        link: input.link,
      },
      lines: input.lines.map((line, index) => ({
        sku: line.sku,
        name: line.name,
        quantity: formatQuantityLocale(BigInt(line.quantityMilli), locale),
        unit: line.unit,
        unit_price: money(BigInt(line.unitPriceMinor)),
        discount: formatRate(line.discountBp, locale),
        amount: money(totals.lines[index]?.amountMinor ?? 0n),
        note: line.note,
      })),
      taxes: totals.taxes.map((row) => ({
        rate: formatRate(row.rateBp, locale),
        base: money(row.baseMinor),
        tax: money(row.taxMinor),
      })),
    },
  };
}
