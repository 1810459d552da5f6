import type { Profile } from '../agent/agent.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { Contact } from './contacts.table.js';

/** Locks the contact's row, so concurrent profile updates of one person apply one after the other. */
export async function findContactForUpdate(
  trx: TenantTransaction,
  contactId: string,
): Promise<Contact | undefined> {
  return trx.selectFrom('contacts').selectAll().where('id', '=', contactId).forUpdate().executeTakeFirst();
}

export async function updateContactProfile(
  trx: TenantTransaction,
  contactId: string,
  changes: Partial<Record<keyof Profile, string | null>>,
  options: {
    markCompleted: boolean;
    clearCompleted?: boolean;
    companyNone?: boolean;
    markConfirmed?: boolean;
  },
): Promise<Contact> {
  return trx
    .updateTable('contacts')
    .set((eb) => ({
      ...changes,
      ...(options.markCompleted
        ? { profileCompletedAt: eb.fn.coalesce('profileCompletedAt', eb.fn<Date>('now')) }
        : {}),
      ...(options.clearCompleted ? { profileCompletedAt: null } : {}),
      // A company value replaces "no company"; the caller passes the flag whenever it changes.
      ...(options.companyNone !== undefined ? { companyNone: options.companyNone } : {}),
      ...(typeof changes.company === 'string' ? { companyNone: false } : {}),
      ...(options.markConfirmed
        ? { profileConfirmedAt: eb.fn.coalesce('profileConfirmedAt', eb.fn<Date>('now')) }
        : {}),
      updatedAt: eb.fn('now'),
    }))
    .where('id', '=', contactId)
    .returningAll()
    .executeTakeFirstOrThrow();
}
