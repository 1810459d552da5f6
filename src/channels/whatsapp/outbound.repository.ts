import { sql } from 'kysely';
import { publishOutboundOutcomes } from '../../conversations/message-outcomes.js';
import { sealText } from '../../platform/crypto/field-codec.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';

/**
 * Outbound messages about to be sent, with what sending one needs (recipient, window, channel credentials
 * and rate), marked as being sent in the same statement: the read and the mark that must be committed
 * before the request leaves (ADR 0018) cost one round trip, in the transaction that reads them anyway.
 * A row marked by an earlier attempt keeps that mark and comes back `inDoubt`: that attempt may have
 * reached Meta, and the row is not sent again before Meta's status callbacks had their chance to name it.
 */
function markedForSend(trx: TenantTransaction) {
  return trx
    .updateTable('messages')
    .from(['conversations', 'contacts', 'whatsappChannels'])
    .set({ sendStartedAt: sql<Date>`coalesce(messages.send_started_at, now())` })
    .whereRef('conversations.id', '=', 'messages.conversationId')
    .whereRef('contacts.id', '=', 'conversations.contactId')
    .whereRef('whatsappChannels.id', '=', 'messages.channelId')
    .where('messages.direction', '=', 'outbound')
    .where('messages.status', '=', 'pending')
    .where('messages.providerMessageId', 'is', null);
}

function sendColumns<Q extends ReturnType<typeof markedForSend>>(query: Q) {
  return query.returning([
    'messages.id',
    'messages.direction',
    'messages.type',
    'messages.text',
    'messages.content',
    'messages.status',
    'messages.providerMessageId',
    'messages.channelId',
    'messages.createdAt',
    'conversations.lastInboundAt',
    'contacts.phoneE164',
    'contacts.waId',
    'whatsappChannels.phoneNumberId',
    'whatsappChannels.wabaId',
    'whatsappChannels.accessTokenSealed',
    'whatsappChannels.messagesPerSecond',
    'whatsappChannels.disabledAt',
    // Marked by an earlier transaction (now() is this one's start): an earlier attempt's outcome is unknown.
    sql<boolean>`messages.send_started_at < now()`.as('inDoubt'),
  ]);
}

/** The send job's row, marked as being sent; undefined when it is sent, failed or gone. */
export async function markOutboundForSend(trx: TenantTransaction, messageId: string) {
  return sendColumns(markedForSend(trx).where('messages.id', '=', messageId)).executeTakeFirst();
}

export type OutboundForSend = NonNullable<Awaited<ReturnType<typeof markOutboundForSend>>>;

/** Marked rows in the order they were written (UPDATE … RETURNING has no order of its own). */
function inWrittenOrder(trx: TenantTransaction, marked: ReturnType<typeof sendColumns>) {
  return trx
    .with('marked', () => marked)
    .selectFrom('marked')
    .selectAll()
    .orderBy('marked.createdAt')
    .orderBy('marked.id')
    .execute();
}

/** A conversation's unsent messages, marked as being sent: the caller sends them right after its commit. */
export async function findPendingOutbound(
  trx: TenantTransaction,
  conversationId: string,
): Promise<OutboundForSend[]> {
  return inWrittenOrder(
    trx,
    sendColumns(
      markedForSend(trx)
        .where('messages.conversationId', '=', conversationId)
        // Stated on the conversation too: its row is then found by primary key whatever the statistics say.
        .where('conversations.id', '=', conversationId),
    ),
  );
}

/**
 * The unsent messages of the conversation with a contact number on a channel (a processing job's key),
 * marked as being sent.
 */
export async function findUnsentOfConversation(
  trx: TenantTransaction,
  channelId: string,
  conversationKey: string,
): Promise<OutboundForSend[]> {
  return inWrittenOrder(
    trx,
    sendColumns(
      markedForSend(trx)
        .where('messages.channelId', '=', channelId)
        .where('contacts.phoneE164', '=', `+${conversationKey}`),
    ),
  );
}

/** Takes the mark back from rows whose send certainly did not reach Meta (refused, or never tried). */
export async function clearSendMark(trx: TenantTransaction, messageIds: readonly string[]): Promise<void> {
  if (messageIds.length === 0) return;
  await trx
    .updateTable('messages')
    .set({ sendStartedAt: null })
    .where('id', 'in', messageIds)
    .where('status', '=', 'pending')
    .where('providerMessageId', 'is', null)
    .execute();
}

export interface InDoubtState {
  /** Accepted (a wamid stored), failed, or gone: nothing is left to send. */
  settled: boolean;
  /** The wamid a status callback of this channel reported for this row (its biz_opaque_callback_data). */
  reported: string | null;
  /** How long the row still waits for such a callback. */
  remainingMs: number;
  /** The wait was over with nothing reported: the row was marked anew for a fresh send, in this statement. */
  renewed: boolean;
}

/**
 * Where an in-doubt send stands, in one statement: a status callback that names the row (by the callback
 * data every send carries) gives its wamid; with none, the row waits `waitSeconds` from the mark of the
 * attempt in doubt, and once that is over it is marked anew, for one more send.
 */
export async function inDoubtState(
  trx: TenantTransaction,
  messageId: string,
  waitSeconds: number,
): Promise<InDoubtState> {
  const { rows } = await sql<{
    settled: boolean;
    reported: string | null;
    remainingMs: number;
    renewed: boolean;
  }>`
    with current as (
      select m.id, (m.provider_message_id is not null or m.status <> 'pending') as settled,
             (select e.provider_message_id from whatsapp_status_events e
               where e.channel_id = m.channel_id and e.callback_data = m.id::text
               order by e.id limit 1) as reported,
             coalesce(greatest(0, extract(epoch from
               m.send_started_at + make_interval(secs => ${waitSeconds}) - now()) * 1000), 0)::float8 as remaining
      from messages m
      where m.id = ${messageId} and m.direction = 'outbound'
      for update
    ), renewed as (
      update messages m set send_started_at = now()
      from current c
      where m.id = c.id and not c.settled and c.reported is null and c.remaining = 0
      returning m.id
    )
    select c.settled, c.reported, c.remaining as "remainingMs", exists (select 1 from renewed) as renewed
    from current c`.execute(trx);
  const row = rows[0];
  if (!row) return { settled: true, reported: null, remainingMs: 0, renewed: false };
  return { ...row, remainingMs: Number(row.remainingMs) };
}

/**
 * Records Meta's acceptance; only a still-pending row changes, so a late duplicate cannot overwrite it.
 * Tells whether status callbacks for this wamid arrived before it was stored (rare: then they wait to be
 * applied), in the same statement.
 */
export async function markAccepted(
  trx: TenantTransaction,
  messageId: string,
  wamid: string,
): Promise<{ statusesWaiting: boolean } | undefined> {
  const updated = await trx
    .updateTable('messages')
    .set({ providerMessageId: wamid, status: 'accepted', statusAt: sql`now()`, updatedAt: sql`now()` })
    .where('id', '=', messageId)
    .where('providerMessageId', 'is', null)
    .returning((eb) => [
      'conversationId',
      eb
        .exists(
          eb
            .selectFrom('whatsappStatusEvents')
            .select(sql`1`.as('one'))
            .whereRef('whatsappStatusEvents.channelId', '=', 'messages.channelId')
            .where('whatsappStatusEvents.providerMessageId', '=', wamid)
            .where('whatsappStatusEvents.appliedAt', 'is', null),
        )
        .as('statusesWaiting'),
    ])
    .executeTakeFirst();
  if (!updated) return undefined;
  await publishMessageUpdated(trx, updated.conversationId, messageId);
  return { statusesWaiting: Boolean(updated.statusesWaiting) };
}

/**
 * Records Meta's acceptance of a send whose wamid is already stored on another of the channel's messages
 * (a reused id): the row is done (never sent again), its statuses cannot be told apart.
 */
/**
 * Stores the text a template message's customer reads, rendered when it is sent; a row that has a text
 * already (rendered when it was queued) keeps it.
 */
export async function storeTemplateText(
  trx: TenantTransaction,
  messageId: string,
  text: string,
): Promise<void> {
  const updated = await trx
    .updateTable('messages')
    .set({ text: await sealText(trx, 'messages.text', text), updatedAt: sql`now()` })
    .where('id', '=', messageId)
    .where('type', '=', 'template')
    .where('text', 'is', null)
    .returning('conversationId')
    .executeTakeFirst();
  if (updated) {
    await publishMessageUpdated(trx, updated.conversationId, messageId);
  }
}

export async function markAcceptedWithoutWamid(trx: TenantTransaction, messageId: string): Promise<void> {
  const updated = await trx
    .updateTable('messages')
    .set({
      status: 'accepted',
      statusAt: sql`now()`,
      errorTitle: 'Meta answered with a message id already stored for another message',
      updatedAt: sql`now()`,
    })
    .where('id', '=', messageId)
    .where('status', '=', 'pending')
    .where('providerMessageId', 'is', null)
    .returning('conversationId')
    .executeTakeFirst();
  if (updated) {
    await publishMessageUpdated(trx, updated.conversationId, messageId);
  }
}

export async function markSendFailed(
  trx: TenantTransaction,
  messageId: string,
  error: { code: number | null; title: string },
): Promise<void> {
  const updated = await trx
    .updateTable('messages')
    .set({
      status: 'failed',
      statusAt: sql`now()`,
      errorCode: error.code,
      errorTitle: error.title.slice(0, 500),
      updatedAt: sql`now()`,
    })
    .where('id', '=', messageId)
    .where('status', '=', 'pending')
    .returning('conversationId')
    .executeTakeFirst();
  if (updated) {
    await publishMessageUpdated(trx, updated.conversationId, messageId);
    await publishOutboundOutcomes(trx, [{ messageId, status: 'failed', errorCode: error.code }]);
  }
}

/** Tells the inbox that a message it shows changed (its status, its text). */
function publishMessageUpdated(trx: TenantTransaction, conversationId: string, messageId: string) {
  return publishInboxEvent(trx, { type: 'message.updated', conversationId, messageId });
}
