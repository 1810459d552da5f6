import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { conflictOnDuplicate } from '../platform/db/errors.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import {
  deleteCannedResponse,
  insertCannedResponse,
  listCannedResponses,
  updateCannedResponse,
} from './canned-responses.repository.js';
import type { CannedResponse } from './canned-responses.table.js';

export interface CannedResponseInput {
  shortcut: string;
  text: string;
}

const shortcutTaken = conflictOnDuplicate('A canned response with this shortcut exists already');

// The text is the tenant's wording, not personal data, but an audit entry needs only the shortcut.
async function audit(
  trx: TenantTransaction,
  tenantId: string,
  actor: Actor,
  action: string,
  item: CannedResponse,
) {
  await auditChange(trx, tenantId, actor, action, { cannedResponseId: item.id, shortcut: item.shortcut });
}

export async function findCannedResponses(
  db: Db,
  tenantId: string,
  query: string | undefined,
): Promise<CannedResponse[]> {
  return withTenant(db, tenantId, (trx) => listCannedResponses(trx, query));
}

export async function createCannedResponse(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: CannedResponseInput,
): Promise<CannedResponse> {
  return withTenant(db, tenantId, async (trx) => {
    const item = await insertCannedResponse(trx, { ...input, createdByUserId: actor.userId }).catch(
      shortcutTaken,
    );
    await audit(trx, tenantId, actor, 'canned_response.created', item);
    return item;
  });
}

export async function changeCannedResponse(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  changes: Partial<CannedResponseInput>,
): Promise<CannedResponse> {
  return withTenant(db, tenantId, async (trx) => {
    const item = await updateCannedResponse(trx, id, changes).catch(shortcutTaken);
    if (!item) throw new AppError('not_found', 'Canned response not found');
    await audit(trx, tenantId, actor, 'canned_response.updated', item);
    return item;
  });
}

export async function removeCannedResponse(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const item = await deleteCannedResponse(trx, id);
    if (!item) throw new AppError('not_found', 'Canned response not found');
    await audit(trx, tenantId, actor, 'canned_response.deleted', item);
  });
}
