import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { SecretBox } from '../platform/crypto/secret-box.js';
import type { Db } from '../platform/db/database.js';
import { isUuid, type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import type { TaskReference } from '../platform/jobs/task.js';
import type { LeadDeliveryStatus, LeadSourceKind } from './lead-sources.table.js';

export interface WebhookSource {
  id: string;
  tenantId: string;
  kind: LeadSourceKind;
  /** The current secret, and the previous one while its rotation grace lasts. Opened, in memory only. */
  secrets: string[];
  phantombusterAgentId: string | null;
}

interface WebhookSourceRow {
  tenantId: string;
  kind: LeadSourceKind;
  secretSealed: string | null;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
  phantombusterAgentId: string | null;
  disabledAt: Date | null;
}

/** An enabled source by id, before any tenant is known (one security-definer lookup); else undefined. */
export async function findWebhookSource(
  db: Db,
  box: SecretBox,
  sourceId: string,
): Promise<WebhookSource | undefined> {
  if (!isUuid(sourceId)) return undefined;
  const { rows } = await sql<WebhookSourceRow>`
    select tenant_id as "tenantId", kind, secret_sealed as "secretSealed",
           previous_secret_sealed as "previousSecretSealed", previous_secret_expires_at as "previousSecretExpiresAt",
           phantombuster_agent_id as "phantombusterAgentId", disabled_at as "disabledAt"
    from lead_source_for_webhook(${sourceId}::uuid)`.execute(db);
  const row = rows[0];
  if (!row || row.disabledAt) return undefined;
  const secrets: string[] = [];
  if (row.secretSealed) secrets.push(box.open(row.secretSealed));
  if (
    row.previousSecretSealed &&
    row.previousSecretExpiresAt &&
    row.previousSecretExpiresAt.getTime() > Date.now()
  ) {
    secrets.push(box.open(row.previousSecretSealed));
  }
  return {
    id: sourceId,
    tenantId: row.tenantId,
    kind: row.kind,
    secrets,
    phantombusterAgentId: row.phantombusterAgentId,
  };
}

export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function bodyDigest(body: Buffer): Buffer {
  return createHash('sha256').update(body).digest();
}

export interface StoredDelivery {
  deliveryId: string;
  status: LeadDeliveryStatus;
  contactId: string | null;
  /** True when this key was seen before with the same body: nothing new was stored. */
  replayed: boolean;
}

/**
 * Stores a verified delivery and queues its processing in one transaction, so a 2xx means both are
 * committed. The same idempotency key with the same body answers with the first delivery; with another
 * body it is a 409 and nothing is stored. `check` runs first in the transaction (tenant-dependent
 * validation, e.g. custom fields): its AppError refuses the delivery with nothing stored.
 */
export async function storeDelivery<Schema extends z.ZodType>(
  db: Db,
  source: WebhookSource,
  delivery: { idempotencyKey: string; body: Buffer; payload: Record<string, unknown>; requestId: string },
  task: TaskReference<Schema, 'tenant'>,
  check?: (trx: TenantTransaction) => Promise<void>,
): Promise<StoredDelivery> {
  const digest = bodyDigest(delivery.body);
  return withTenant(db, source.tenantId, async (trx) => {
    const inserted = await trx
      .insertInto('leadDeliveries')
      .values({
        sourceId: source.id,
        idempotencyKey: delivery.idempotencyKey,
        bodySha256: digest,
        payload: JSON.stringify(delivery.payload),
        contactId: null,
        importId: null,
        error: null,
      })
      .onConflict((oc) => oc.columns(['sourceId', 'idempotencyKey']).doNothing())
      .returning(['id', 'status', 'contactId'])
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx
        .selectFrom('leadDeliveries')
        .select(['id', 'status', 'contactId', 'bodySha256'])
        .where('sourceId', '=', source.id)
        .where('idempotencyKey', '=', delivery.idempotencyKey)
        .executeTakeFirstOrThrow();
      if (!existing.bodySha256.equals(digest)) {
        throw new AppError('conflict', 'This Idempotency-Key was already used with a different body');
      }
      return {
        deliveryId: existing.id,
        status: existing.status,
        contactId: existing.contactId,
        replayed: true,
      };
    }
    // After the insert, so a replay skips it; a refusal rolls the insert back.
    if (check) await check(trx);
    await trx
      .updateTable('leadSources')
      .set({ lastReceivedAt: new Date() })
      .where('id', '=', source.id)
      .execute();
    await enqueue(trx, task, { deliveryId: inserted.id } as z.input<Schema>, {
      requestId: delivery.requestId,
      queueName: `lead-source:${source.id}`,
    });
    return {
      deliveryId: inserted.id,
      status: inserted.status,
      contactId: inserted.contactId,
      replayed: false,
    };
  });
}
