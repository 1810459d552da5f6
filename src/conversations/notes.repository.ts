import { sealText } from '../platform/crypto/field-codec.js';
import { keysetPage } from '../platform/db/keyset.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { PageCursor } from '../platform/http/cursor.js';
import type { ConversationNote } from './conversations.table.js';

export type NoteView = ConversationNote & { authorEmail: string | null };

export async function insertNote(
  trx: TenantTransaction,
  input: { conversationId: string; authorUserId: string | null; text: string },
): Promise<ConversationNote> {
  const text = await sealText(trx, 'conversation_notes.text', input.text);
  return trx
    .insertInto('conversationNotes')
    .values({ ...input, text })
    .returningAll()
    .executeTakeFirstOrThrow();
}

function notes(trx: TenantTransaction) {
  return trx
    .selectFrom('conversationNotes as n')
    .leftJoin('users as u', 'u.id', 'n.authorUserId')
    .selectAll('n')
    .select('u.email as authorEmail');
}

export async function findNote(trx: TenantTransaction, id: string): Promise<NoteView | undefined> {
  return notes(trx).where('n.id', '=', id).executeTakeFirst();
}

/** Oldest first, keyset on (created_at, id), like the messages they sit beside. */
export async function listNotes(
  trx: TenantTransaction,
  conversationId: string,
  options: { limit: number; after?: PageCursor | undefined },
): Promise<NoteView[]> {
  const query = notes(trx).where('n.conversationId', '=', conversationId).limit(options.limit);
  return keysetPage(query, { time: 'n.created_at', id: 'n.id', direction: 'asc' }, options.after).execute();
}
