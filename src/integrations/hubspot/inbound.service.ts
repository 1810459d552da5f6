import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { hubspotSecretBox } from './connection.service.js';
import type { FieldMapping, FieldOwnership } from './hubspot.table.js';
import { verifySignatureV3 } from './webhook-signature.js';

/** A webhook delivery: HubSpot sends up to 100 events in one array. */
export const ZWebhookEvents = z
  .array(
    z.looseObject({
      eventId: z.number().int().optional(),
      subscriptionType: z.string().max(100),
      objectId: z.number().int().positive(),
      propertyName: z.string().max(100).optional(),
      propertyValue: z.string().max(10_000).optional(),
      occurredAt: z.number().int().optional(),
    }),
  )
  .min(1)
  .max(100);

/** Leadline contact fields an inbound change may write (when the mapping's property is HubSpot-owned). */
const WRITABLE: Record<string, 'firstName' | 'lastName' | 'company'> = {
  firstName: 'firstName',
  lastName: 'lastName',
  company: 'company',
};

/**
 * Checks a delivery's signature against the workspace's app secret, stores it (before HubSpot is
 * answered), then applies it. Unknown workspace, no webhooks configured: 404; bad signature or stale: 401.
 */
export async function receiveWebhook(
  db: Db,
  config: Config,
  input: {
    tenantId: string;
    method: string;
    uri: string;
    body: Buffer;
    signature?: string;
    timestamp?: string;
  },
): Promise<{ stored: number; applied: number }> {
  const connection = await withTenant(db, input.tenantId, (trx) =>
    trx.selectFrom('hubspotConnections').selectAll().executeTakeFirst(),
  ).catch(() => undefined);
  if (!connection?.webhookSecretSealed) throw new AppError('not_found', 'No HubSpot webhooks here');
  const verdict = verifySignatureV3({
    secret: hubspotSecretBox(config).open(connection.webhookSecretSealed),
    method: input.method,
    uri: input.uri,
    body: input.body,
    signature: input.signature,
    timestamp: input.timestamp,
  });
  if (verdict === 'stale') throw new AppError('unauthenticated', 'The request is older than 5 minutes');
  if (verdict !== 'valid') throw new AppError('unauthenticated', 'The signature does not match');
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.body.toString('utf8'));
  } catch (error) {
    throw new AppError('validation_failed', 'The body is not JSON', { cause: error });
  }
  const events = ZWebhookEvents.safeParse(parsed);
  if (!events.success)
    throw new AppError('validation_failed', 'Not a HubSpot webhook delivery (an array of 1 to 100 events)');
  const stored = await withTenant(db, input.tenantId, (trx) =>
    trx
      .insertInto('hubspotWebhookEvents')
      .values({ body: JSON.stringify(events.data) })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  const applied = await withTenant(db, input.tenantId, async (trx) => {
    const count = await applyEvents(trx, events.data, connection.mapping, connection.ownership);
    await trx
      .updateTable('hubspotWebhookEvents')
      .set({ processedAt: new Date() })
      .where('id', '=', stored.id)
      .execute();
    return count;
  });
  return { stored: events.data.length, applied };
}

/**
 * Per-field ownership: a HubSpot change is written to Leadline only for a property the workspace said
 * HubSpot owns; for the others Leadline wins (its next sync writes its own value back).
 */
async function applyEvents(
  trx: TenantTransaction,
  events: z.infer<typeof ZWebhookEvents>,
  mapping: FieldMapping,
  ownership: FieldOwnership,
): Promise<number> {
  const fieldOf = new Map(Object.entries(mapping).map(([field, property]) => [property, field]));
  let applied = 0;
  for (const event of events) {
    if (event.subscriptionType !== 'contact.propertyChange' || !event.propertyName) continue;
    if (ownership[event.propertyName] !== 'hubspot') continue;
    const field = fieldOf.get(event.propertyName);
    if (!field) continue;
    const record = await trx
      .selectFrom('hubspotRecords')
      .select('refId')
      .where('kind', '=', 'contact')
      .where('hubspotId', '=', String(event.objectId))
      .executeTakeFirst();
    if (!record) continue;
    const value = event.propertyValue?.trim().slice(0, 200) || null;
    // Only plain text fields: typed custom fields and identifiers (phone, e-mail) are Leadline's.
    const column = WRITABLE[field];
    if (!column) continue;
    await trx
      .updateTable('contacts')
      .set({ [column]: value, updatedAt: new Date() })
      .where('id', '=', record.refId)
      .execute();
    applied++;
  }
  return applied;
}
