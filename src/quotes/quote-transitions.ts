import type { Actor } from '../api-keys/api-keys.service.js';
import { recordAudit } from '../audit/audit.repository.js';
import { advanceOnEvent } from '../contacts/pipeline/pipeline.js';
import { insertDomainEvent } from '../events/domain-events.repository.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { assertTransition, type QuoteStatus } from './quote-state.js';
import { moveVersion } from './quotes.repository.js';
import type { Quote, QuoteVersion } from './quotes.table.js';

/** Who moved a quote: a member or key, the customer on the public page, or the system (auto-approval). */
export type TransitionActor =
  | { kind: 'member'; actor: Actor }
  /** On the public page (its request), or through a WhatsApp reply button (no HTTP request: null). */
  | { kind: 'customer'; context: Actor['context'] | null }
  | { kind: 'system'; context: Actor['context'] | null };

/**
 * The one way a quote version changes state: the transition is checked against the state machine, made
 * conditionally (a version that moved meanwhile answers 409), audited with actor and reason, published
 * to the live inbox, and — for an acceptance — recorded as the `quote.accepted` domain event.
 */
export async function transition(
  trx: TenantTransaction,
  tenantId: string,
  quote: Quote,
  version: QuoteVersion,
  to: QuoteStatus,
  by: TransitionActor,
  options: { reason?: string | undefined; approvedByUserId?: string | null; sentAt?: Date } = {},
): Promise<QuoteVersion> {
  assertTransition(version.status, to);
  const extra = {
    ...(options.approvedByUserId !== undefined ? { approvedByUserId: options.approvedByUserId } : {}),
    ...(options.sentAt ? { sentAt: options.sentAt } : {}),
  };
  const moved = await moveVersion(trx, version.id, version.status, to, extra);
  if (!moved) throw new AppError('conflict', 'The quote changed meanwhile; reload it and try again');
  await recordAudit(trx, {
    action: `quote.${to}`,
    tenantId,
    actorUserId: by.kind === 'member' ? by.actor.userId : null,
    actorApiKeyId: by.kind === 'member' ? by.actor.apiKeyId : null,
    context: by.kind === 'member' ? by.actor.context : by.context,
    detail: {
      quoteId: quote.id,
      number: quote.number,
      version: version.version,
      from: version.status,
      to,
      by: by.kind,
      ...(options.reason ? { reason: options.reason } : {}),
    },
  });
  await publishInboxEvent(trx, {
    type: 'quote.updated',
    quoteId: quote.id,
    conversationId: quote.conversationId,
    status: to,
  });
  // The contact's pipeline follows its quotes (forwards only; see contacts/pipeline).
  if (quote.contactId && (to === 'sent' || to === 'accepted')) {
    await advanceOnEvent(trx, quote.contactId, to === 'sent' ? 'quote_sent' : 'quote_accepted');
  }
  if (to === 'accepted') {
    await insertDomainEvent(trx, {
      type: 'quote.accepted',
      subjectId: quote.id,
      payload: {
        quoteId: quote.id,
        number: quote.number,
        version: version.version,
        contactId: quote.contactId,
        totalMinor: version.totalMinor,
        currency: version.currency,
      },
    });
  }
  return moved;
}
