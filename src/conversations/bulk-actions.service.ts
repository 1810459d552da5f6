import { sql } from 'kysely';
import type { Actor } from '../api-keys/api-keys.service.js';
import { countLabels } from '../labels/labels.repository.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { publishInboxEvents } from '../realtime/inbox-events.js';
import { setStatus } from './conversations.repository.js';
import { applyAssignee } from './inbox-actions.service.js';
import { applySnooze } from './snooze.js';

export const MAX_BULK = 100;

export type BulkAction =
  | { type: 'assign'; userId: string | null }
  | { type: 'label'; labelIds: string[] }
  | { type: 'close' }
  | { type: 'reopen' }
  | { type: 'snooze'; until: Date };

/**
 * One action on many conversations, all or nothing: the rows are locked in id order (two bulk actions
 * over overlapping selections cannot deadlock), and a conversation that is not the workspace's makes the
 * whole request a 404. Returns how many conversations changed.
 */
export async function bulkAction(
  db: Db,
  tenantId: string,
  actor: Actor,
  ids: readonly string[],
  action: BulkAction,
): Promise<{ changed: number }> {
  const unique = [...new Set(ids)].sort();
  return withTenant(db, tenantId, async (trx) => {
    const rows = await trx
      .selectFrom('conversations')
      .selectAll()
      .where('id', 'in', unique)
      .orderBy('id')
      .forUpdate()
      .execute();
    if (rows.length !== unique.length) throw new AppError('not_found', 'Conversation not found');
    if (action.type === 'label' && (await countLabels(trx, action.labelIds)) !== action.labelIds.length) {
      throw new AppError('unknown_label', 'One of the labels does not exist');
    }
    const changed: string[] = [];
    for (const conversation of rows) {
      let did = false;
      switch (action.type) {
        case 'assign':
          did = await applyAssignee(trx, tenantId, actor, conversation, action.userId);
          break;
        case 'close':
          did = await setStatus(trx, conversation.id, 'closed');
          break;
        case 'reopen':
          did = await setStatus(trx, conversation.id, 'open');
          break;
        case 'label': {
          const added = await trx
            .insertInto('conversationLabels')
            .values(action.labelIds.map((labelId) => ({ conversationId: conversation.id, labelId })))
            .onConflict((oc) => oc.columns(['conversationId', 'labelId']).doNothing())
            .returning('labelId')
            .execute();
          did = added.length > 0;
          break;
        }
        case 'snooze':
          await applySnooze(trx, conversation.id, action.until, actor.context.requestId);
          did = true;
          break;
      }
      if (did) changed.push(conversation.id);
    }
    if (changed.length > 0) {
      await trx
        .updateTable('conversations')
        .set({ updatedAt: sql<Date>`now()` })
        .where('id', 'in', changed)
        .execute();
    }
    await publishInboxEvents(
      trx,
      changed.map((conversationId) => ({ type: 'conversation.updated' as const, conversationId })),
    );
    return { changed: changed.length };
  });
}
