import type { RequestContext } from '../../accounts/principal.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import type { QuoteDiff } from '../quote-diff.js';
import { type RenderedQuote, renderQuoteOutputs } from '../quote-outputs.js';
import type { QuoteStatus } from '../quote-state.js';
import { transition } from '../quote-transitions.js';
import { findQuote, findVersionById } from '../quotes.repository.js';
import { detail, versionDiff } from '../quotes.service.js';
import type { Quote, QuoteDecision, QuoteVersion } from '../quotes.table.js';
import { storedPdf } from '../sending.service.js';
import { verifyQuoteLink } from './quote-link.js';

export interface PublicLinkOptions {
  secretKeys: readonly string[];
  publicUrl: string;
}

export interface PublicQuote {
  status: QuoteStatus;
  /** True while the customer may still accept or decline this version. */
  open: boolean;
  rendered: RenderedQuote;
  /** What changed since the previous version, when this is not the first. */
  diff: QuoteDiff | null;
  decision: Pick<QuoteDecision, 'decision' | 'customerName' | 'decidedAt'> | null;
}

export const OPEN: readonly QuoteStatus[] = ['sent', 'viewed'];

function notFound(): never {
  throw new AppError('not_found', 'This quote link is not valid or has expired');
}

export interface Located {
  tenantId: string;
  quote: Quote;
  version: QuoteVersion;
}

/** Resolves a link to its version, in the link's tenant; a version never sent is no customer's business. */
export async function locate(
  trx: TenantTransaction,
  tenantId: string,
  versionId: string,
  lock: boolean,
): Promise<Located> {
  const version = await findVersionById(trx, versionId);
  if (!version?.sentAt) notFound();
  const quote = await findQuote(trx, version.quoteId, lock);
  if (!quote) notFound();
  // Re-read under the quote's lock: a concurrent accept and decline serialise here.
  const fresh = lock ? await findVersionById(trx, versionId) : version;
  return { tenantId, quote, version: fresh ?? version };
}

/** A sent version past its validity date becomes expired when anyone next looks at it. */
export async function expireIfDue(
  trx: TenantTransaction,
  at: Located,
  context: RequestContext | null,
): Promise<QuoteVersion> {
  const today = new Date().toISOString().slice(0, 10);
  if (OPEN.includes(at.version.status) && at.version.validUntil < today) {
    return transition(
      trx,
      at.tenantId,
      at.quote,
      at.version,
      'expired',
      { kind: 'system', context },
      {
        reason: 'validity date passed',
      },
    );
  }
  return at.version;
}

async function withLink<T>(
  db: Db,
  options: PublicLinkOptions,
  token: string,
  work: (trx: TenantTransaction, claims: { tenantId: string; versionId: string }) => Promise<T>,
): Promise<T> {
  const claims = verifyQuoteLink(options.secretKeys, token);
  if (!claims) notFound();
  return withTenant(db, claims.tenantId, (trx) => work(trx, claims));
}

/** What the public page shows; the first look at a sent version marks it viewed. */
export async function viewPublicQuote(
  db: Db,
  options: PublicLinkOptions,
  token: string,
  context: RequestContext,
): Promise<PublicQuote> {
  return withLink(db, options, token, async (trx, claims) => {
    const at = await locate(trx, claims.tenantId, claims.versionId, true);
    let version = await expireIfDue(trx, at, context);
    if (version.status === 'sent') {
      version = await transition(trx, at.tenantId, at.quote, version, 'viewed', {
        kind: 'customer',
        context,
      });
    }
    const found = await detail(trx, at.quote.id, version.version);
    const rendered = await renderQuoteOutputs(trx, found, `${options.publicUrl}/q/${token}`);
    const decision = await trx
      .selectFrom('quoteDecisions')
      .select(['decision', 'customerName', 'decidedAt'])
      .where('quoteVersionId', '=', version.id)
      .executeTakeFirst();
    return {
      status: version.status,
      open: OPEN.includes(version.status),
      rendered,
      diff:
        version.version > 1
          ? await versionDiff(trx, at.quote.id, version.version - 1, version.version)
          : null,
      decision: decision ?? null,
    };
  });
}

export async function publicQuotePdf(db: Db, options: PublicLinkOptions, token: string): Promise<Buffer> {
  return withLink(db, options, token, async (trx, claims) => {
    const version = await findVersionById(trx, claims.versionId);
    const pdf = version?.sentAt ? await storedPdf(trx, version.id) : undefined;
    return pdf ?? notFound();
  });
}

function closed(version: QuoteVersion): never {
  const why: Partial<Record<QuoteStatus, string>> = {
    accepted: 'This quote was accepted already',
    declined: 'This quote was declined already',
    expired: 'This quote has expired',
    superseded: 'This quote was replaced by a newer version',
  };
  throw new AppError('conflict', why[version.status] ?? 'This quote cannot be answered now');
}

/**
 * The customer accepts the exact version of the link. Evidence: their name, time, IP, user agent and
 * the SHA-256 of the PDF stored when this version was sent.
 */
export async function acceptPublicQuote(
  db: Db,
  options: PublicLinkOptions,
  token: string,
  input: { name: string },
  context: RequestContext,
): Promise<void> {
  await decide(db, options, token, context, 'accepted', { customerName: input.name, reason: null });
}

export async function declinePublicQuote(
  db: Db,
  options: PublicLinkOptions,
  token: string,
  input: { reason?: string | undefined },
  context: RequestContext,
): Promise<void> {
  await decide(db, options, token, context, 'declined', { customerName: null, reason: input.reason ?? null });
}

/**
 * The customer's decision on an open version, wherever it was made (the public page, a WhatsApp button):
 * the evidence row with the SHA-256 of the PDF stored when the version was sent, then the transition.
 */
export async function recordDecision(
  trx: TenantTransaction,
  at: Located,
  version: QuoteVersion,
  decision: 'accepted' | 'declined',
  values: {
    customerName: string | null;
    reason: string | null;
    ip?: string | null;
    userAgent?: string | null;
    channel?: 'link' | 'whatsapp';
    channelMessageId?: string | null;
    context: RequestContext | null;
  },
): Promise<QuoteVersion> {
  const document = await trx
    .selectFrom('quoteDocuments')
    .select('sha256')
    .where('quoteVersionId', '=', version.id)
    .executeTakeFirst();
  const { context, ...evidence } = values;
  await trx
    .insertInto('quoteDecisions')
    .values({
      quoteVersionId: version.id,
      decision,
      ...evidence,
      pdfSha256: document?.sha256 ?? null,
    })
    .execute();
  return transition(
    trx,
    at.tenantId,
    at.quote,
    version,
    decision,
    { kind: 'customer', context },
    {
      ...(values.reason ? { reason: values.reason } : {}),
    },
  );
}

async function decide(
  db: Db,
  options: PublicLinkOptions,
  token: string,
  context: RequestContext,
  decision: 'accepted' | 'declined',
  values: { customerName: string | null; reason: string | null },
): Promise<void> {
  await withLink(db, options, token, async (trx, claims) => {
    const at = await locate(trx, claims.tenantId, claims.versionId, true);
    const version = await expireIfDue(trx, at, context);
    if (!OPEN.includes(version.status)) {
      // The expiry (if any) must persist even though the answer is a refusal.
      if (version !== at.version) return 'expired' as const;
      closed(version);
    }
    await recordDecision(trx, at, version, decision, {
      ...values,
      ip: context.ip,
      userAgent: context.userAgent?.slice(0, 512) ?? null,
      context,
    });
    return 'decided' as const;
  }).then((outcome) => {
    if (outcome === 'expired') throw new AppError('conflict', 'This quote has expired');
  });
}
