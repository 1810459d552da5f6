import { sql } from 'kysely';
import type { ChannelKind } from '../channels/channel-adapter.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { Contact, OptOutSource, OptOutState } from './contacts.table.js';

/**
 * Records an opt-out or opt-in of a contact on a channel kind: the contact's current state and a ledger
 * row with its source, in the caller's transaction. Returns the contact as stored.
 */
export async function setChannelOptOut(
  trx: TenantTransaction,
  change: {
    contactId: string;
    channelKind: ChannelKind;
    state: OptOutState;
    source: OptOutSource;
    keyword?: string | null;
    messageId?: string | null;
  },
): Promise<Contact> {
  const kind = change.channelKind;
  const contact = await trx
    .updateTable('contacts')
    .set({
      optedOutChannels:
        change.state === 'opted_out'
          ? sql<
              ChannelKind[]
            >`array(select distinct k from unnest(opted_out_channels || ${kind}::text) k order by k)`
          : sql<ChannelKind[]>`array_remove(opted_out_channels, ${kind}::text)`,
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', change.contactId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('contactChannelOptOuts')
    .values({
      contactId: change.contactId,
      channelKind: kind,
      state: change.state,
      source: change.source,
      keyword: change.keyword ?? null,
      messageId: change.messageId ?? null,
    })
    .execute();
  return contact;
}
