import { createHash } from 'node:crypto';
import { findContact } from '../contacts/contacts.repository.js';
import { templateFieldValues } from '../contacts/custom-fields/custom-fields.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { findCurrentTenant } from '../tenants/tenants.repository.js';
import { renderQuotePdf } from './pdf/quote-pdf.js';
import { buildQuoteDocument, type QuoteDocument } from './quote-document.js';
import { readLogo, readQuoteSettings } from './quote-settings.js';
import type { QuoteDetail } from './quotes.service.js';
import { renderTemplate, toPlainText } from './templates/quote-templates.js';

export interface RenderedQuote {
  document: QuoteDocument;
  /** The document template's text, HTML-escaped (safe to place in HTML as is). */
  introHtml: string;
  /** The WhatsApp message, plain text. */
  messageText: string;
}

/** The quote's document model and both templates, rendered for one link. */
export async function renderQuoteOutputs(
  trx: TenantTransaction,
  detail: QuoteDetail,
  link: string,
): Promise<RenderedQuote> {
  const settings = await readQuoteSettings(trx);
  const tenant = await findCurrentTenant(trx);
  const contact = detail.quote.contactId ? await findContact(trx, detail.quote.contactId) : undefined;
  const contactName =
    contact?.displayName ?? ([contact?.firstName, contact?.lastName].filter(Boolean).join(' ') || '');
  const document = buildQuoteDocument({
    businessName: tenant?.name ?? '',
    contactName,
    contactFields: await templateFieldValues(trx, contact?.customFields ?? null, detail.version.locale),
    quote: detail.quote,
    version: detail.version,
    lines: detail.lines,
    totals: detail.totals,
    link,
  });
  const introHtml = await renderTemplate(
    'document',
    settings.documentTemplate,
    document.locale,
    document.data,
  );
  const message = await renderTemplate('message', settings.messageTemplate, document.locale, document.data);
  return { document, introHtml, messageText: toPlainText(message) };
}

export async function renderPdf(trx: TenantTransaction, rendered: RenderedQuote, createdAt: Date) {
  const pdf = await renderQuotePdf({
    document: rendered.document,
    introText: toPlainText(rendered.introHtml),
    logo: (await readLogo(trx))?.data ?? null,
    createdAt,
  });
  return { pdf, sha256: createHash('sha256').update(pdf).digest() };
}
