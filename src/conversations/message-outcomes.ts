import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { MessageStatus } from './messages.table.js';

/**
 * Small in-process domain events about messages, for domains that follow what became of their sends and
 * who answered (campaigns) without the channels knowing them: the channels (and the send ledger) publish
 * here, inside the transaction of the change; listeners act in that same transaction, so their effect
 * commits or rolls back with it. Listeners are registered once per process at start-up.
 */
export interface OutboundOutcome {
  messageId: string;
  status: MessageStatus;
  /** The provider's error code of a failed send (Meta's, Twilio's). */
  errorCode: number | null;
}

export interface CustomerReply {
  conversationId: string;
  messageId: string;
  sentAt: Date;
}

/** A customer's message was an opt-out keyword (STOP), recorded in the consent ledger. */
export interface CustomerOptOut {
  conversationId: string;
  messageId: string;
  sentAt: Date;
}

type OutcomeListener = (trx: TenantTransaction, outcomes: readonly OutboundOutcome[]) => Promise<void>;
type ReplyListener = (trx: TenantTransaction, reply: CustomerReply) => Promise<void>;
type OptOutListener = (trx: TenantTransaction, optOut: CustomerOptOut) => Promise<void>;

const outcomeListeners = new Set<OutcomeListener>();
const replyListeners = new Set<ReplyListener>();
const optOutListeners = new Set<OptOutListener>();

export function onOutboundOutcomes(listener: OutcomeListener): void {
  outcomeListeners.add(listener);
}

export function onCustomerReply(listener: ReplyListener): void {
  replyListeners.add(listener);
}

export function onCustomerOptOut(listener: OptOutListener): void {
  optOutListeners.add(listener);
}

/** An outbound message's status moved forward (delivered, read, failed with a code, ...). */
export async function publishOutboundOutcomes(
  trx: TenantTransaction,
  outcomes: readonly OutboundOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return;
  for (const listener of outcomeListeners) await listener(trx, outcomes);
}

/** A customer's message was stored (once: a repeated delivery publishes nothing). */
export async function publishCustomerReply(trx: TenantTransaction, reply: CustomerReply): Promise<void> {
  for (const listener of replyListeners) await listener(trx, reply);
}

/** A customer's opt-out keyword was recorded (once: the keyword's message is handled once). */
export async function publishCustomerOptOut(trx: TenantTransaction, optOut: CustomerOptOut): Promise<void> {
  for (const listener of optOutListeners) await listener(trx, optOut);
}
