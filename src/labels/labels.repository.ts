import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { Label } from './labels.table.js';

export async function listLabels(trx: TenantTransaction): Promise<Label[]> {
  return trx.selectFrom('labels').selectAll().orderBy('name').orderBy('id').execute();
}

export async function insertLabel(
  trx: TenantTransaction,
  input: { name: string; color: string },
): Promise<Label> {
  return trx.insertInto('labels').values(input).returningAll().executeTakeFirstOrThrow();
}

export async function updateLabel(
  trx: TenantTransaction,
  id: string,
  changes: { name?: string | undefined; color?: string | undefined },
): Promise<Label | undefined> {
  return trx
    .updateTable('labels')
    .set((eb) => ({ ...changes, updatedAt: eb.fn('now') }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteLabel(trx: TenantTransaction, id: string): Promise<Label | undefined> {
  return trx.deleteFrom('labels').where('id', '=', id).returningAll().executeTakeFirst();
}

/** The labels of each conversation, by conversation id, each list by name. */
export async function labelsOfConversations(
  trx: TenantTransaction,
  conversationIds: readonly string[],
): Promise<Map<string, Label[]>> {
  const byConversation = new Map<string, Label[]>(conversationIds.map((id) => [id, []]));
  if (conversationIds.length === 0) return byConversation;
  const rows = await trx
    .selectFrom('conversationLabels as cl')
    .innerJoin('labels as l', 'l.id', 'cl.labelId')
    .selectAll('l')
    .select('cl.conversationId')
    .where('cl.conversationId', 'in', conversationIds)
    .orderBy('l.name')
    .orderBy('l.id')
    .execute();
  for (const { conversationId, ...label } of rows) byConversation.get(conversationId)?.push(label);
  return byConversation;
}

/** How many of `ids` are labels of this tenant (RLS hides the others). */
export async function countLabels(trx: TenantTransaction, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const row = await trx
    .selectFrom('labels')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('id', 'in', ids)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Makes the conversation's labels exactly `labelIds`; true when that changed anything. */
export async function replaceConversationLabels(
  trx: TenantTransaction,
  conversationId: string,
  labelIds: readonly string[],
): Promise<boolean> {
  let query = trx.deleteFrom('conversationLabels').where('conversationId', '=', conversationId);
  if (labelIds.length > 0) query = query.where('labelId', 'not in', labelIds);
  const removed = await query.executeTakeFirst();
  if (labelIds.length === 0) return removed.numDeletedRows > 0n;
  const added = await trx
    .insertInto('conversationLabels')
    .values(labelIds.map((labelId) => ({ conversationId, labelId })))
    .onConflict((oc) => oc.columns(['conversationId', 'labelId']).doNothing())
    .executeTakeFirst();
  return removed.numDeletedRows > 0n || (added.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Adds one label to a conversation, keeping its others; true when it was not there yet. */
export async function addConversationLabel(
  trx: TenantTransaction,
  conversationId: string,
  labelId: string,
): Promise<boolean> {
  const added = await trx
    .insertInto('conversationLabels')
    .values({ conversationId, labelId })
    .onConflict((oc) => oc.columns(['conversationId', 'labelId']).doNothing())
    .executeTakeFirst();
  return (added.numInsertedOrUpdatedRows ?? 0n) > 0n;
}
