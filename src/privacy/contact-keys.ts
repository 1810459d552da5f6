import { sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { ContactKeys } from './registry.js';

export interface ContactIdentity {
  readonly keys: ContactKeys;
  readonly phone: string;
  readonly email: string | null;
  /** Every spelling of the name the contact row holds, for the verification search. */
  readonly names: readonly string[];
}

/**
 * Everything erasure and export need to find a contact's rows, read before anything changes: after the
 * conversations are gone, nothing else would lead to the messages' raw payloads or the quotes.
 */
export async function contactIdentity(
  trx: TenantTransaction,
  contactId: string,
): Promise<ContactIdentity | undefined> {
  const contact = await trx
    .selectFrom('contacts')
    .select(['id', 'phoneE164', 'email', 'waId', 'displayName', 'firstName', 'lastName'])
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!contact) return undefined;
  const conversations = await trx
    .selectFrom('conversations')
    .select('id')
    .where('contactId', '=', contactId)
    .execute();
  const conversationIds = conversations.map((row) => row.id);
  const { rows: quotes } = await sql<{ id: string }>`
    select id from quotes
    where contact_id = ${contactId}::uuid
       or (conversation_id is not null and conversation_id = any(${conversationIds}::uuid[]))`.execute(trx);
  const callbacks = await trx
    .selectFrom('callbacks')
    .select('id')
    .where('visitorE164', '=', contact.phoneE164)
    .execute();
  const digits = contact.phoneE164.slice(1);
  const identifiers = [digits, contact.waId, contact.email].filter(
    (value, index, all): value is string => Boolean(value) && all.indexOf(value) === index,
  );
  const names = [
    contact.displayName,
    [contact.firstName, contact.lastName].filter(Boolean).join(' '),
    contact.lastName,
  ].filter((name): name is string => Boolean(name && name.trim().length >= 5));
  return {
    keys: {
      contactId,
      conversationIds,
      quoteIds: quotes.map((row) => row.id),
      callbackIds: callbacks.map((row) => row.id),
      identifiers,
    },
    phone: contact.phoneE164,
    email: contact.email,
    names: [...new Set(names)],
  };
}
