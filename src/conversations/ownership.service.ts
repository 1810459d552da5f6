import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { findConversation, insertOwnershipEvent, setOwnership } from './conversations.repository.js';
import type { Conversation } from './conversations.table.js';
import { announceHandoff } from './handoff-notice.js';
import { decideOwnership, isPauseOver, type OwnershipRequest, type OwnershipState } from './ownership.js';

export const PAUSE_ENDED_REASON = 'pause ended';

function stateOf(conversation: Conversation): OwnershipState {
  return { ownership: conversation.ownership, pausedUntil: conversation.pausedUntil };
}

/**
 * Applies an ownership request to a conversation the caller has locked (or just upserted): the new state
 * and its event (actor, reason) are written together in the caller's transaction. Returns the
 * conversation as it is now.
 */
export async function changeOwnership(
  trx: TenantTransaction,
  conversation: Conversation,
  request: OwnershipRequest,
  now: Date = new Date(),
): Promise<Conversation> {
  const change = decideOwnership(stateOf(conversation), request, now);
  if (!change) return conversation;
  await setOwnership(trx, conversation.id, change.to);
  await insertOwnershipEvent(trx, {
    conversationId: conversation.id,
    from: change.from,
    to: change.to,
    actorType: request.actor.type,
    actorUserId: request.actor.userId ?? null,
    reason: request.reason,
  });
  await publishInboxEvent(trx, { type: 'conversation.updated', conversationId: conversation.id });
  // A handoff (not an operator taking over themselves): people must hear of it, and one may be picked.
  const assigneeUserId =
    change.to.ownership === 'human' && request.actor.type !== 'user'
      ? await announceHandoff(trx, conversation, now)
      : conversation.assigneeUserId;
  return {
    ...conversation,
    ownership: change.to.ownership,
    pausedUntil: change.to.pausedUntil,
    assigneeUserId,
  };
}

/**
 * A pause ends by itself: whoever next looks at the conversation (the next inbound message, an operator
 * reading it) applies the return to the bot, recorded as the system's doing.
 */
export async function resumeIfPauseOver(
  trx: TenantTransaction,
  conversation: Conversation,
  now: Date = new Date(),
): Promise<Conversation> {
  if (!isPauseOver(stateOf(conversation), now)) return conversation;
  return changeOwnership(
    trx,
    conversation,
    { target: { to: 'bot' }, actor: { type: 'system' }, reason: PAUSE_ENDED_REASON },
    now,
  );
}

/** An operator's decision, from the API: the conversation is locked so concurrent changes serialise. */
export async function setOwnershipByUser(
  db: Db,
  tenantId: string,
  input: {
    conversationId: string;
    userId: string | null;
    target: OwnershipRequest['target'];
    reason?: string | undefined;
  },
): Promise<Conversation> {
  return withTenant(db, tenantId, async (trx) => {
    const found = await findConversation(trx, input.conversationId, { forUpdate: true });
    if (!found) throw new AppError('not_found', 'Conversation not found');
    const now = new Date();
    const current = await resumeIfPauseOver(trx, found, now);
    return changeOwnership(
      trx,
      current,
      {
        target: input.target,
        actor: { type: 'user', userId: input.userId },
        reason: input.reason ?? defaultReason(input.target.to),
      },
      now,
    );
  });
}

function defaultReason(to: OwnershipState['ownership']): string {
  switch (to) {
    case 'human':
      return 'operator took over';
    case 'bot':
      return 'operator handed back to the bot';
    case 'paused':
      return 'operator paused the bot';
  }
}

/** Reads a conversation, ending its pause first if the time has come (so readers never see a stale pause). */
export async function readConversation(
  trx: TenantTransaction,
  conversationId: string,
): Promise<Conversation | undefined> {
  const found = await findConversation(trx, conversationId, { forUpdate: true });
  return found ? resumeIfPauseOver(trx, found) : undefined;
}
