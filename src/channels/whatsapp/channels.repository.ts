import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { NewWhatsappChannel, WhatsappChannel, WhatsappChannelUpdate } from './channels.table.js';

export async function insertChannel(
  trx: TenantTransaction,
  channel: NewWhatsappChannel,
): Promise<WhatsappChannel> {
  return trx.insertInto('whatsappChannels').values(channel).returningAll().executeTakeFirstOrThrow();
}

export async function findChannel(trx: TenantTransaction, id: string): Promise<WhatsappChannel | undefined> {
  return trx.selectFrom('whatsappChannels').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first, keyset on (created_at, id). */
export async function listChannels(
  trx: TenantTransaction,
  page: { limit: number; after?: WhatsappChannel },
): Promise<WhatsappChannel[]> {
  let query = trx.selectFrom('whatsappChannels').selectAll();
  if (page.after) {
    const { createdAt, id } = page.after;
    query = query.where((eb) =>
      eb.or([eb('createdAt', '<', createdAt), eb.and([eb('createdAt', '=', createdAt), eb('id', '<', id)])]),
    );
  }
  return query.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export async function updateChannel(
  trx: TenantTransaction,
  id: string,
  changes: WhatsappChannelUpdate,
): Promise<WhatsappChannel | undefined> {
  return trx
    .updateTable('whatsappChannels')
    .set({ ...changes, updatedAt: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export interface WebhookChannelRow {
  tenantId: string;
  phoneNumberId: string;
  appSecretSealed: string;
  previousAppSecretSealed: string | null;
  previousAppSecretExpiresAt: Date | null;
  verifyTokenHash: Buffer;
  disabledAt: Date | null;
}

/** The one read before a tenant is known: what verifying a webhook for this channel needs. */
export async function findWebhookChannel(db: Db, channelId: string): Promise<WebhookChannelRow | undefined> {
  const { rows } = await sql<WebhookChannelRow>`
    select tenant_id as "tenantId", phone_number_id as "phoneNumberId", app_secret_sealed as "appSecretSealed",
           previous_app_secret_sealed as "previousAppSecretSealed",
           previous_app_secret_expires_at as "previousAppSecretExpiresAt",
           verify_token_hash as "verifyTokenHash", disabled_at as "disabledAt"
    from whatsapp_webhook_channel(${channelId}::uuid)`.execute(db);
  return rows[0];
}
