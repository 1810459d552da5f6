import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { conflictOnDuplicate } from '../platform/db/errors.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { deleteLabel, insertLabel, listLabels, updateLabel } from './labels.repository.js';
import type { Label } from './labels.table.js';

export interface LabelInput {
  name: string;
  color: string;
}

const nameTaken = conflictOnDuplicate('A label with this name exists already');

async function audit(trx: TenantTransaction, tenantId: string, actor: Actor, action: string, label: Label) {
  await auditChange(trx, tenantId, actor, action, {
    labelId: label.id,
    name: label.name,
    color: label.color,
  });
}

export async function tenantLabels(db: Db, tenantId: string): Promise<Label[]> {
  return withTenant(db, tenantId, listLabels);
}

export async function createLabel(db: Db, tenantId: string, actor: Actor, input: LabelInput): Promise<Label> {
  return withTenant(db, tenantId, async (trx) => {
    const label = await insertLabel(trx, input).catch(nameTaken);
    await audit(trx, tenantId, actor, 'label.created', label);
    return label;
  });
}

export async function changeLabel(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  changes: Partial<LabelInput>,
): Promise<Label> {
  return withTenant(db, tenantId, async (trx) => {
    const label = await updateLabel(trx, id, changes).catch(nameTaken);
    if (!label) throw new AppError('not_found', 'Label not found');
    await audit(trx, tenantId, actor, 'label.updated', label);
    await publishToLabelled(trx, id);
    return label;
  });
}

/** Deleting a label takes it off every conversation; each of them is announced as changed. */
export async function removeLabel(db: Db, tenantId: string, actor: Actor, id: string): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    await publishToLabelled(trx, id);
    const label = await deleteLabel(trx, id);
    if (!label) throw new AppError('not_found', 'Label not found');
    await audit(trx, tenantId, actor, 'label.deleted', label);
  });
}

async function publishToLabelled(trx: TenantTransaction, labelId: string): Promise<void> {
  const rows = await trx
    .selectFrom('conversationLabels')
    .select('conversationId')
    .where('labelId', '=', labelId)
    .execute();
  for (const { conversationId } of rows) {
    await publishInboxEvent(trx, { type: 'conversation.updated', conversationId });
  }
}
