import type { TenantTransaction } from '../platform/db/tenant-context.js';

/** Every member of the workspace (all roles work conversations). */
export async function allMembers(trx: TenantTransaction): Promise<string[]> {
  const rows = await trx.selectFrom('memberships').select('userId').execute();
  return rows.map((row) => row.userId);
}

/** Members who may approve quotes (owners and admins, as `quotes.approve` says). */
export async function approvers(trx: TenantTransaction): Promise<string[]> {
  const rows = await trx
    .selectFrom('memberships')
    .select('userId')
    .where('role', 'in', ['owner', 'admin'])
    .execute();
  return rows.map((row) => row.userId);
}

/** Who hears about a conversation: its assignee if it has one, otherwise every member. */
export async function conversationAudience(
  trx: TenantTransaction,
  assigneeUserId: string | null,
): Promise<string[]> {
  return assigneeUserId ? [assigneeUserId] : allMembers(trx);
}

/** How a contact is named in a notification's title; never the phone number (titles show on lock screens). */
export async function contactLabel(trx: TenantTransaction, contactId: string | null): Promise<string> {
  if (!contactId) return 'A customer';
  const contact = await trx
    .selectFrom('contacts')
    .select(['displayName', 'firstName', 'lastName'])
    .where('id', '=', contactId)
    .executeTakeFirst();
  const full = [contact?.firstName, contact?.lastName].filter(Boolean).join(' ').trim();
  return full || contact?.displayName?.trim() || 'A customer';
}

export function without(userIds: readonly string[], excluded: string | null | undefined): string[] {
  return userIds.filter((id) => id !== excluded);
}
