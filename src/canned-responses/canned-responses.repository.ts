import { sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { CannedResponse } from './canned-responses.table.js';

/** At most this many answers: a composer's suggestion list, not an export. */
export const CANNED_LIST_LIMIT = 200;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

/** By shortcut; `query` matches a shortcut's beginning or any part of the text, ignoring case. */
export async function listCannedResponses(
  trx: TenantTransaction,
  query: string | undefined,
): Promise<CannedResponse[]> {
  let select = trx.selectFrom('cannedResponses').selectAll().orderBy('shortcut').limit(CANNED_LIST_LIMIT);
  if (query) {
    const term = escapeLike(query.toLowerCase());
    select = select.where((eb) =>
      eb.or([eb('shortcut', 'like', `${term}%`), eb(sql`lower(text)`, 'like', `%${term}%`)]),
    );
  }
  return select.execute();
}

export async function insertCannedResponse(
  trx: TenantTransaction,
  input: { shortcut: string; text: string; createdByUserId: string | null },
): Promise<CannedResponse> {
  return trx.insertInto('cannedResponses').values(input).returningAll().executeTakeFirstOrThrow();
}

export async function updateCannedResponse(
  trx: TenantTransaction,
  id: string,
  changes: { shortcut?: string | undefined; text?: string | undefined },
): Promise<CannedResponse | undefined> {
  return trx
    .updateTable('cannedResponses')
    .set((eb) => ({ ...changes, updatedAt: eb.fn('now') }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteCannedResponse(
  trx: TenantTransaction,
  id: string,
): Promise<CannedResponse | undefined> {
  return trx.deleteFrom('cannedResponses').where('id', '=', id).returningAll().executeTakeFirst();
}
