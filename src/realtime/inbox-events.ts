import { sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/** The PostgreSQL NOTIFY channel every server process LISTENs on to fan inbox events out to browsers. */
export const INBOX_EVENTS_CHANNEL = 'leadline_inbox_events';

/**
 * What changed, by id only: a NOTIFY payload crosses processes in clear text and is capped at 8,000
 * bytes, so it carries no personal data. Browsers fetch the changed object through the REST API, where
 * their own permissions apply.
 */
export type InboxEvent =
  /** A message was stored on a conversation (inbound from the customer, or queued outbound). */
  | { type: 'message.created'; conversationId: string; messageId: string }
  /** An outbound message's delivery status changed (sent, delivered, read, failed, ...). */
  | { type: 'message.updated'; conversationId: string; messageId: string }
  /** Ownership, assignment, labels, open/closed status or read marks of a conversation changed. */
  | { type: 'conversation.updated'; conversationId: string }
  /** A private note was added to a conversation. */
  | { type: 'note.created'; conversationId: string; noteId: string }
  /** A contact's profile changed (by the agent or an operator). */
  | { type: 'contact.updated'; contactId: string }
  /** A quote moved through its states (drafted, approved, sent, viewed, accepted, ...). */
  | { type: 'quote.updated'; quoteId: string; conversationId: string | null; status: string }
  /** A quote has waited for approval longer than the workspace's reminder time. */
  | { type: 'quote.approval_overdue'; quoteId: string; conversationId: string | null }
  /** A call-back was requested or moved through its states (calling, connected, completed, canceled, ...). */
  | { type: 'callback.updated'; callbackId: string; status: string }
  /** A contact import moved on (a chunk committed, finished, failed, cancelled, undone). */
  | { type: 'contact_import.updated'; importId: string }
  /** A notification was recorded for one member: only that member's sockets hear of it. */
  | { type: 'notification.created'; userId: string; notificationId: string }
  /** A member's notifications were read (their unread count changed): only that member's sockets. */
  | { type: 'notifications.read'; userId: string }
  /** A campaign's progress moved (recipients sent, delivered, ...; status changes); throttled per campaign. */
  | { type: 'campaign.progress'; campaignId: string };

export interface InboxNotification {
  tenantId: string;
  event: InboxEvent;
}

/**
 * Publishes `event` to the tenant's live inbox when (and only if) `trx` commits: PostgreSQL delivers
 * NOTIFY at commit and drops it on rollback, and folds identical notifications of one transaction into
 * one. The tenant is the transaction's own (`app.tenant_id`), so an event can never be addressed to
 * another tenant.
 */
export async function publishInboxEvent(trx: TenantTransaction, event: InboxEvent): Promise<void> {
  await sql`select pg_notify(${INBOX_EVENTS_CHANNEL}, json_build_object(
    'tenantId', current_setting('app.tenant_id'),
    'event', ${JSON.stringify(event)}::json
  )::text)`.execute(trx);
}

/**
 * Several events in one round trip (e.g. every message a batch of status callbacks moved), with the
 * same commit-only delivery as `publishInboxEvent`.
 */
export async function publishInboxEvents(
  trx: TenantTransaction,
  events: readonly InboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await sql`select pg_notify(${INBOX_EVENTS_CHANNEL}, json_build_object(
    'tenantId', current_setting('app.tenant_id'),
    'event', event
  )::text)
  from json_array_elements(${JSON.stringify(events)}::json) as event`.execute(trx);
}
