import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { QuoteDocument } from '../quote-document.js';

const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | undefined;

/** DejaVu Sans from its npm package (covers Latin accents: ç, ã, è, ñ...); embedded and subset by pdfkit. */
function loadFonts() {
  fonts ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return fonts;
}

export interface PdfInput {
  document: QuoteDocument;
  /** The rendered document template, as plain text. */
  introText: string;
  logo: Buffer | null;
  /** Fixed metadata time, so the same version renders the same bytes. */
  createdAt: Date;
}

const MARGIN = 50;
const COLUMNS = [
  { key: 'name', width: 195, align: 'left' },
  { key: 'quantity', width: 50, align: 'right' },
  { key: 'unit_price', width: 80, align: 'right' },
  { key: 'discount', width: 45, align: 'right' },
  { key: 'tax', width: 40, align: 'right' },
  { key: 'amount', width: 85, align: 'right' },
] as const;

/** Renders a quote to PDF in Node (pdfkit), without a browser. */
export function renderQuotePdf(input: PdfInput): Promise<Buffer> {
  const { regular, bold } = loadFonts();
  const { data, labels } = input.document;
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: {
      Title: `${labels.title} ${data.quote.number}`,
      Author: data.business.name,
      CreationDate: input.createdAt,
      ModDate: input.createdAt,
    },
    lang: input.document.locale,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', regular);
  doc.registerFont('bold', bold);

  const right = doc.page.width - MARGIN;
  if (input.logo) {
    doc.image(input.logo, MARGIN, MARGIN, { fit: [140, 60] });
  }
  doc.font('bold').fontSize(16).text(data.business.name, MARGIN, MARGIN, { align: 'right' });
  doc
    .font('body')
    .fontSize(11)
    .text(`${labels.title} ${data.quote.number} — ${labels.version} ${data.quote.version}`, {
      align: 'right',
    })
    .text(`${labels.validUntil}: ${data.quote.valid_until}`, { align: 'right' });
  doc.moveDown(2);
  doc.y = Math.max(doc.y, MARGIN + 80);
  doc
    .font('body')
    .fontSize(10)
    .text(input.introText, MARGIN, doc.y, { width: right - MARGIN });
  doc.moveDown(1.5);

  // Only the first column wraps; the figures are short and drawn without line breaking, which is
  // where pdfkit spends its time (each wrapped string is laid out glyph by glyph).
  const row = (cells: Record<string, string>, font: 'body' | 'bold') => {
    doc.font(font).fontSize(9);
    const first = COLUMNS[0];
    const height = doc.heightOfString(cells[first.key] ?? '', { width: first.width - 6 }) + 6;
    if (doc.y + height > doc.page.height - MARGIN) doc.addPage();
    const top = doc.y;
    doc.text(cells[first.key] ?? '', MARGIN, top, { width: first.width - 6 });
    let x = MARGIN + first.width;
    for (const column of COLUMNS.slice(1)) {
      const text = cells[column.key] ?? '';
      const offset = column.align === 'right' ? column.width - 6 - doc.widthOfString(text) : 0;
      doc.text(text, x + Math.max(0, offset), top, { lineBreak: false });
      x += column.width;
    }
    doc.y = top + height;
    doc.x = MARGIN;
  };
  row(
    {
      name: labels.item,
      quantity: labels.quantity,
      unit_price: labels.unitPrice,
      discount: labels.discount,
      tax: labels.tax,
      amount: labels.amount,
    },
    'bold',
  );
  doc
    .moveTo(MARGIN, doc.y - 2)
    .lineTo(right, doc.y - 2)
    .stroke();
  data.lines.forEach((line, index) => {
    row(
      {
        name: line.note ? `${line.name}\n${line.note}` : line.name,
        quantity: `${line.quantity} ${line.unit}`,
        unit_price: line.unit_price,
        discount: line.discount,
        tax: input.document.lineTaxRates[index] ?? '',
        amount: line.amount,
      },
      'body',
    );
  });
  doc.moveDown(1);

  const totalRow = (label: string, value: string, font: 'body' | 'bold' = 'body') => {
    doc.font(font).fontSize(10);
    if (doc.y + 16 > doc.page.height - MARGIN) doc.addPage();
    const top = doc.y;
    doc.text(label, MARGIN, top, { width: 370, align: 'right' });
    doc.text(value, MARGIN + 375, top, { width: right - MARGIN - 375, align: 'right' });
    doc.y = top + 16;
  };
  totalRow(labels.subtotal, data.quote.subtotal);
  if (input.document.hasQuoteDiscount) totalRow(labels.quoteDiscount, `−${data.quote.discount}`);
  for (const taxRow of data.taxes) totalRow(`${labels.taxRow} ${taxRow.rate} (${taxRow.base})`, taxRow.tax);
  totalRow(labels.total, data.quote.total, 'bold');
  doc.end();
  return done;
}
