import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { Contact, ContactSource } from './contacts.table.js';

/**
 * Inserts or refreshes a contact by phone number; `created_at`, a known name and a known WhatsApp id are
 * never lost (a message without a profile does not erase the name).
 */
export async function upsertContact(
  trx: TenantTransaction,
  input: { phoneE164: string; displayName?: string | null; waId?: string | null; source?: ContactSource },
): Promise<Contact> {
  return trx
    .insertInto('contacts')
    .values({
      phoneE164: input.phoneE164,
      displayName: input.displayName ?? null,
      waId: input.waId ?? null,
      // Set when the contact is created only (the update below leaves it): where the lead came from.
      ...(input.source ? { source: input.source } : {}),
    })
    .onConflict((oc) =>
      oc.columns(['tenantId', 'phoneE164']).doUpdateSet((eb) => ({
        displayName: eb.fn.coalesce('excluded.displayName', 'contacts.displayName'),
        waId: eb.fn.coalesce('excluded.waId', 'contacts.waId'),
        updatedAt: eb.fn('now'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findContact(trx: TenantTransaction, id: string): Promise<Contact | undefined> {
  return trx.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findContactByPhone(
  trx: TenantTransaction,
  phoneE164: string,
): Promise<Contact | undefined> {
  return trx.selectFrom('contacts').selectAll().where('phoneE164', '=', phoneE164).executeTakeFirst();
}

export async function listContacts(trx: TenantTransaction): Promise<Contact[]> {
  return trx.selectFrom('contacts').selectAll().orderBy('createdAt').orderBy('id').execute();
}
