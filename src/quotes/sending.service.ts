import type { Actor } from '../api-keys/api-keys.service.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { assertMayContact } from '../privacy/suppression.js';
import { signQuoteLink } from './acceptance/quote-link.js';
import type { DocumentOfferSender } from './ports.js';
import { quoteOffer } from './quote-offer.js';
import { renderPdf, renderQuoteOutputs } from './quote-outputs.js';
import { readQuoteSettings } from './quote-settings.js';
import { transition } from './quote-transitions.js';
import { findQuote, findVersion } from './quotes.repository.js';
import { detail } from './quotes.service.js';
import type { QuoteVersion } from './quotes.table.js';

export interface LinkOptions {
  secretKey: string;
  publicUrl: string;
  /** Earlier keys, still checked by the suppression guard (a rotation forgets nobody). */
  previousSecretKeys?: readonly string[];
}

export interface SentQuote {
  link: string;
  messageText: string;
  pdfSha256: string;
  /** How the quote went to the customer on WhatsApp; null when it has no conversation (link only). */
  delivery: { channel: 'whatsapp'; via: 'session' | 'template' } | null;
}

/** A link lives until the end of the version's last valid day (UTC); the quote expires with it. */
export function linkExpiry(version: Pick<QuoteVersion, 'validUntil'>): Date {
  return new Date(`${version.validUntil}T23:59:59Z`);
}

export function quoteLink(options: LinkOptions, tenantId: string, version: QuoteVersion): string {
  const token = signQuoteLink(options.secretKey, {
    tenantId,
    versionId: version.id,
    expiresAt: linkExpiry(version),
  });
  return `${options.publicUrl}/q/${token}`;
}

/**
 * Marks an approved version sent: its PDF is rendered once and stored with its SHA-256 (the bytes the
 * customer can download and accept), and the operator gets the customer's link and message text. A quote
 * drafted in a conversation is delivered there in the same transaction (ADR 0028): the PDF as a document
 * with the reply buttons "Accept" / "I have a question" naming this version, or the workspace's template
 * outside the 24-hour window; with no template then, nothing is sent and the version stays approved.
 */
export async function sendQuote(
  db: Db,
  tenantId: string,
  actor: Actor,
  options: LinkOptions,
  quoteId: string,
  version: number,
  offers?: DocumentOfferSender,
): Promise<SentQuote> {
  return withTenant(db, tenantId, async (trx) => {
    const quote = await findQuote(trx, quoteId, true);
    if (!quote) throw new AppError('not_found', 'Quote not found');
    const current = await findVersion(trx, quoteId, version);
    if (!current || quote.currentVersion !== version) {
      throw new AppError(
        'conflict',
        `Version ${version} is not the current version (${quote.currentVersion})`,
      );
    }
    if (current.status !== 'approved') {
      throw new AppError(
        'conflict',
        `Only an approved quote can be sent; this one is ${current.status.replace('_', ' ')}`,
      );
    }
    // Sending is contacting the customer: not an erased, suppressed person who has not written since.
    if (quote.contactId) {
      await assertMayContact(
        trx,
        [options.secretKey, ...(options.previousSecretKeys ?? [])],
        quote.contactId,
      );
    }
    const sentAt = new Date();
    const sent = await transition(
      trx,
      tenantId,
      quote,
      current,
      'sent',
      { kind: 'member', actor },
      { sentAt },
    );
    const link = quoteLink(options, tenantId, sent);
    const rendered = await renderQuoteOutputs(trx, await detail(trx, quoteId), link);
    const { pdf, sha256 } = await renderPdf(trx, rendered, sentAt);
    await trx.insertInto('quoteDocuments').values({ quoteVersionId: sent.id, pdf, sha256 }).execute();
    let delivery: SentQuote['delivery'] = null;
    const { conversationId } = quote;
    if (offers && conversationId) {
      const offer = quoteOffer({
        quote: { ...quote, conversationId },
        version: sent,
        settings: await readQuoteSettings(trx),
        messageText: rendered.messageText,
        link,
        authorUserId: actor.userId,
        requestId: actor.context.requestId,
      });
      delivery = { channel: 'whatsapp', ...(await offers.send(trx, offer)) };
    }
    return { link, messageText: rendered.messageText, pdfSha256: sha256.toString('hex'), delivery };
  });
}

/** The PDF of a version: the stored one once sent, else a preview rendered now (never stored). */
export async function versionPdf(
  db: Db,
  tenantId: string,
  options: LinkOptions,
  quoteId: string,
  version: number,
): Promise<Buffer> {
  return withTenant(db, tenantId, async (trx) => {
    const found = await detail(trx, quoteId, version);
    const stored = await storedPdf(trx, found.version.id);
    if (stored) return stored;
    const rendered = await renderQuoteOutputs(trx, found, quoteLink(options, tenantId, found.version));
    return (await renderPdf(trx, rendered, found.version.createdAt)).pdf;
  });
}

export async function storedPdf(trx: TenantTransaction, versionId: string): Promise<Buffer | undefined> {
  const row = await trx
    .selectFrom('quoteDocuments')
    .select('pdf')
    .where('quoteVersionId', '=', versionId)
    .executeTakeFirst();
  return row?.pdf;
}
