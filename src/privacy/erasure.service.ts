import { canonicalEmail } from '../accounts/email-address.js';
import { type AuditActor, auditChange, recordAudit } from '../audit/audit.repository.js';
import { canonicalPhone } from '../contacts/phone.js';
import { requestHubspotErasure } from '../integrations/hubspot/erasure.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import type { Db } from '../platform/db/database.js';
import { type InTenant, type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { contactIdentity } from './contact-keys.js';
import { contactBlobKeys, deleteBlobs, eraseRows } from './erasure.js';
import { ERASE_CONTACT_TASK } from './erasure.task-definition.js';
import { type PersonalDataHit, searchPersonalDataInTenant } from './personal-data-search.js';
import type { ErasureRow } from './privacy.table.js';
import { contactDataRules } from './registry.js';
import { retentionPolicy } from './retention.repository.js';
import { suppress } from './suppression.js';

/** Whom to erase: exactly one of a contact id, a phone number (any spelling) or an e-mail address. */
export type ErasureTarget = { contactId: string } | { phone: string } | { email: string };

async function resolveContact(trx: TenantTransaction, target: ErasureTarget): Promise<string> {
  let query = trx.selectFrom('contacts').select('id');
  if ('contactId' in target) query = query.where('id', '=', target.contactId);
  else if ('phone' in target) {
    const phone = canonicalPhone(target.phone);
    if (!phone) throw new AppError('validation_failed', 'The phone number is not valid');
    query = query.where('phoneE164', '=', phone.e164);
  } else {
    const email = canonicalEmail(target.email);
    if (!email) throw new AppError('validation_failed', 'The e-mail address is not valid');
    query = query.where((eb) => eb(eb.fn('lower', ['email']), '=', email));
  }
  const rows = await query.limit(2).execute();
  if (rows.length === 0) throw new AppError('not_found', 'No contact matches');
  if (rows.length > 1) throw new AppError('conflict', 'Several contacts match; erase them by id');
  return (rows[0] as { id: string }).id;
}

/**
 * Records an erasure request and queues its job in one transaction. The job's payload and the audit entry
 * name the request and the contact by id only: a number or address there would outlive the erasure.
 */
export async function requestErasure(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  target: ErasureTarget,
): Promise<ErasureRow> {
  return withTenant(db, tenantId, async (trx) => {
    const contactId = await resolveContact(trx, target);
    const pending = await trx
      .selectFrom('privacyErasures')
      .selectAll()
      .where('contactId', '=', contactId)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (pending) return pending;
    const erasure = await trx
      .insertInto('privacyErasures')
      .values({ contactId, requestedByUserId: actor.userId })
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueue(trx, ERASE_CONTACT_TASK, { erasureId: erasure.id }, { requestId: actor.context.requestId });
    await auditChange(trx, tenantId, actor, 'privacy.erasure_requested', {
      erasureId: erasure.id,
      contactId,
    });
    return erasure;
  });
}

export async function findErasure(db: Db, tenantId: string, id: string): Promise<ErasureRow> {
  const row = await withTenant(db, tenantId, (trx) =>
    trx.selectFrom('privacyErasures').selectAll().where('id', '=', id).executeTakeFirst(),
  );
  if (!row) throw new AppError('not_found', 'Erasure not found');
  return row;
}

export interface ErasureDeps {
  blobs: BlobStore;
  secretKey: string;
}

export interface ErasureOutcome {
  erasure: ErasureRow;
  /** What the verification still found (empty when the person is gone). */
  remaining: PersonalDataHit[];
  blobsDeleted: number;
}

/**
 * Erases the request's contact, entry by entry of the registry (one short transaction each, progress saved
 * as it goes), then verifies: every registered column the workspace can read is searched for the person's
 * number, address and name, and every erased blob must be gone. Safe to run again after a crash: each step
 * finds what is left; the contact row, which leads to the rest, goes last.
 */
export async function runErasure(
  inTenant: InTenant,
  deps: ErasureDeps,
  erasureId: string,
): Promise<ErasureOutcome> {
  const started = await inTenant(async (trx) => {
    const erasure = await trx
      .updateTable('privacyErasures')
      .set({ status: 'running', startedAt: new Date() })
      .where('id', '=', erasureId)
      .where('status', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
    if (!erasure) return undefined;
    const identity = await contactIdentity(trx, erasure.contactId);
    const policy = await retentionPolicy(trx);
    const blobKeys = identity ? await contactBlobKeys(trx, identity.keys) : [];
    return { erasure, identity, keepAcceptedQuotes: policy.keepAcceptedQuotes, blobKeys };
  });
  if (!started) {
    const erasure = await inTenant((trx) =>
      trx.selectFrom('privacyErasures').selectAll().where('id', '=', erasureId).executeTakeFirstOrThrow(),
    );
    return { erasure, remaining: [], blobsDeleted: 0 };
  }
  const { identity } = started;
  if (!identity) {
    const erasure = await finish(inTenant, erasureId, { status: 'failed', failure: 'contact not found' });
    return { erasure, remaining: [], blobsDeleted: 0 };
  }

  // Blobs first: a row whose blob is gone is harmless, a blob whose row is gone could never be found again.
  await deleteBlobs(deps.blobs, started.blobKeys);
  const progress: Record<string, number> = { ...started.erasure.progress, blobs: started.blobKeys.length };
  for (const [table, rule] of Object.entries(contactDataRules)) {
    if (rule.erase.kind === 'kept') continue;
    await inTenant(async (trx) => {
      progress[table] =
        (progress[table] ?? 0) +
        (await eraseRows(trx, table, rule, identity.keys, {
          keepAcceptedQuotes: started.keepAcceptedQuotes,
        }));
      if (table === 'public.contacts') await suppress(trx, deps.secretKey, identity);
      await trx
        .updateTable('privacyErasures')
        .set({ progress: JSON.stringify(progress) })
        .where('id', '=', erasureId)
        .execute();
    });
  }

  // The CRM copy: a deletion request to HubSpot when it is connected (a retried job), in the audit below.
  await inTenant(async (trx) => {
    const requested = await requestHubspotErasure(trx, {
      tenantId: started.erasure.tenantId,
      contactId: started.erasure.contactId,
      erasureId,
      requestId: `erasure:${erasureId}`,
    });
    if (requested) {
      progress.hubspotDeletionRequested = 1;
      await trx
        .updateTable('privacyErasures')
        .set({ progress: JSON.stringify(progress) })
        .where('id', '=', erasureId)
        .execute();
    }
  });

  const remaining = await inTenant(async (trx) => {
    const hits: PersonalDataHit[] = [];
    for (const name of identity.names) hits.push(...(await searchPersonalDataInTenant(trx, { name })));
    hits.push(...(await searchPersonalDataInTenant(trx, { phone: identity.phone })));
    if (identity.email) hits.push(...(await searchPersonalDataInTenant(trx, { email: identity.email })));
    return hits;
  });
  for (const key of started.blobKeys) {
    if ((await deps.blobs.get(key)) !== undefined) remaining.push({ table: 'blob', column: key, rows: 1 });
  }
  const erasure = await finish(inTenant, erasureId, {
    status: 'done',
    verifiedClean: remaining.length === 0,
    failure:
      remaining.length === 0
        ? null
        : `still found in ${remaining.map((hit) => `${hit.table}.${hit.column}`).join(', ')}`,
    progress,
  });
  return { erasure, remaining, blobsDeleted: started.blobKeys.length };
}

async function finish(
  inTenant: InTenant,
  erasureId: string,
  outcome: {
    status: 'done' | 'failed';
    failure: string | null;
    verifiedClean?: boolean;
    progress?: Record<string, number>;
  },
): Promise<ErasureRow> {
  return inTenant(async (trx) => {
    const erasure = await trx
      .updateTable('privacyErasures')
      .set({
        status: outcome.status,
        failure: outcome.failure,
        verifiedClean: outcome.verifiedClean ?? null,
        finishedAt: new Date(),
        ...(outcome.progress ? { progress: JSON.stringify(outcome.progress) } : {}),
      })
      .where('id', '=', erasureId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      action: outcome.status === 'done' ? 'privacy.erasure_completed' : 'privacy.erasure_failed',
      tenantId: erasure.tenantId,
      actorUserId: erasure.requestedByUserId,
      context: null,
      detail: {
        erasureId,
        contactId: erasure.contactId,
        verifiedClean: erasure.verifiedClean,
        removed: erasure.progress,
      },
    });
    return erasure;
  });
}
