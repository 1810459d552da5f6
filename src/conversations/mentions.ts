import type { TenantTransaction } from '../platform/db/tenant-context.js';

/**
 * The members an @mention in a private note names. A mention is "@" followed by a member's e-mail address
 * or display name (case-insensitive), ending at the end of the text or at a character that cannot continue
 * a name — so "@ann" does not mention "Anna". The note's text is matched against the workspace's members,
 * not parsed into guesses.
 */
export async function mentionedMembers(trx: TenantTransaction, text: string): Promise<string[]> {
  if (!text.includes('@')) return [];
  const members = await trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .select(['u.id', 'u.email', 'u.displayName'])
    .execute();
  const lower = text.toLocaleLowerCase();
  return members
    .filter((member) =>
      [member.email, member.displayName].some((name) => name && mentions(lower, name.toLocaleLowerCase())),
    )
    .map((member) => member.id);
}

function mentions(text: string, name: string): boolean {
  const needle = `@${name.trim()}`;
  if (needle.length < 2) return false;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const next = text.charAt(at + needle.length);
    if (next === '' || !/[\p{L}\p{N}_@-]/u.test(next)) return true;
  }
  return false;
}

/** How a member is named in a notification: their display name, else their e-mail address. */
export async function memberName(trx: TenantTransaction, userId: string): Promise<string> {
  const user = await trx
    .selectFrom('users')
    .select(['email', 'displayName'])
    .where('id', '=', userId)
    .executeTakeFirst();
  return user?.displayName?.trim() || user?.email || 'Someone';
}
