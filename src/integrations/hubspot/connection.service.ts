import { sql } from 'kysely';
import type { Actor } from '../../api-keys/api-keys.service.js';
import { recordAudit } from '../../audit/audit.repository.js';
import type { Config } from '../../platform/config/config.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { HubspotApiError, type HubspotAuth, type HubspotClient } from './hubspot.client.js';
import type { FieldMapping, FieldOwnership, HubspotConnection } from './hubspot.table.js';
import { DEFAULT_MAPPING, LEADLINE_ID, LEADLINE_QUOTE_ID } from './mapping.js';

/** HubSpot secrets are sealed under their own purpose with the master key ring of channel secrets. */
export function hubspotSecretBox(config: Pick<Config, 'secretKey' | 'previousSecretKeys'>): SecretBox {
  return new SecretBox(config.secretKey, 'hubspot-connection', config.previousSecretKeys);
}

export function hubspotAuth(box: SecretBox, connection: HubspotConnection): HubspotAuth {
  return { token: box.open(connection.tokenSealed), portalId: String(connection.portalId) };
}

export async function findHubspotConnection(trx: TenantTransaction): Promise<HubspotConnection | undefined> {
  return trx.selectFrom('hubspotConnections').selectAll().executeTakeFirst();
}

function refused(error: unknown): never {
  if (error instanceof HubspotApiError && (error.status === 401 || error.status === 403)) {
    throw new AppError('validation_failed', 'HubSpot refused this token', { cause: error });
  }
  throw new AppError('provider_unavailable', 'HubSpot could not be reached to check the token', {
    cause: error,
  });
}

/**
 * Makes sure the account has what the sync writes: the unique `leadline_id` contact property (created if
 * missing), the deal's `leadline_quote_id`, and every property the mapping names (those must exist: a
 * typo would otherwise fail every batch).
 */
async function prepareAccount(
  client: HubspotClient,
  auth: HubspotAuth,
  mapping: FieldMapping,
): Promise<void> {
  await client
    .ensureProperty(auth, 'contacts', {
      name: LEADLINE_ID,
      label: 'Leadline ID',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
      hasUniqueValue: true,
    })
    .catch(refused);
  await client
    .ensureProperty(auth, 'deals', {
      name: LEADLINE_QUOTE_ID,
      label: 'Leadline quote ID',
      type: 'string',
      fieldType: 'text',
      groupName: 'dealinformation',
      hasUniqueValue: true,
    })
    .catch(refused);
  const missing: string[] = [];
  for (const property of new Set(Object.values(mapping))) {
    if (!(await client.hasProperty(auth, 'contacts', property).catch(refused))) missing.push(property);
  }
  if (missing.length > 0) {
    throw new AppError('validation_failed', 'The HubSpot account has no such contact property', {
      details: missing.map((property) => ({
        path: `body.mapping`,
        message: `no contact property ${property}`,
      })),
    });
  }
}

/** Puts every contact of the workspace in the outbox (the first sync to an account). */
async function queueAllContacts(trx: TenantTransaction, tenantId: string): Promise<void> {
  await sql`select hubspot_outbox_touch(${tenantId}::uuid, 'contact', array(select id from contacts))`.execute(
    trx,
  );
}

export interface ConnectInput {
  token: string;
  mapping?: FieldMapping | undefined;
  ownership?: FieldOwnership | undefined;
  webhookSecret?: string | undefined;
}

/** Connects (or replaces) the workspace's HubSpot account after HubSpot accepted the token. */
export async function connectHubspot(
  db: Db,
  config: Config,
  client: HubspotClient,
  tenantId: string,
  actor: Actor,
  input: ConnectInput,
): Promise<HubspotConnection> {
  const { portalId } = await client.accountDetails(input.token).catch(refused);
  const mapping = input.mapping ?? DEFAULT_MAPPING;
  await prepareAccount(client, { token: input.token, portalId }, mapping);
  const box = hubspotSecretBox(config);
  const row = {
    tokenSealed: box.seal(input.token),
    portalId,
    mapping: JSON.stringify(mapping),
    ownership: JSON.stringify(input.ownership ?? {}),
    webhookSecretSealed: input.webhookSecret ? box.seal(input.webhookSecret) : null,
    verifiedAt: new Date(),
  };
  return withTenant(db, tenantId, async (trx) => {
    const previous = await findHubspotConnection(trx);
    const saved = await trx
      .insertInto('hubspotConnections')
      .values(row)
      .onConflict((conflict) => conflict.column('tenantId').doUpdateSet({ ...row, updatedAt: new Date() }))
      .returningAll()
      .executeTakeFirstOrThrow();
    if (!previous || String(previous.portalId) !== portalId) {
      // A new account: what was synced to an old one says nothing about it; every contact goes over.
      await trx.deleteFrom('hubspotRecords').execute();
      await queueAllContacts(trx, tenantId);
    }
    await recordAudit(trx, {
      action: previous ? 'hubspot_connection.updated' : 'hubspot_connection.created',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { portalId, mappedFields: Object.keys(mapping) },
    });
    return saved;
  });
}

/** Changes the mapping and ownership rules of the connected account (mapped properties checked). */
export async function updateHubspotMapping(
  db: Db,
  config: Config,
  client: HubspotClient,
  tenantId: string,
  actor: Actor,
  input: { mapping: FieldMapping; ownership?: FieldOwnership | undefined },
): Promise<HubspotConnection> {
  const connection = await withTenant(db, tenantId, findHubspotConnection);
  if (!connection) throw new AppError('not_found', 'HubSpot is not connected');
  await prepareAccount(client, hubspotAuth(hubspotSecretBox(config), connection), input.mapping);
  return withTenant(db, tenantId, async (trx) => {
    const saved = await trx
      .updateTable('hubspotConnections')
      .set({
        mapping: JSON.stringify(input.mapping),
        ...(input.ownership ? { ownership: JSON.stringify(input.ownership) } : {}),
        updatedAt: new Date(),
      })
      .returningAll()
      .executeTakeFirst();
    if (!saved) throw new AppError('not_found', 'HubSpot is not connected');
    await recordAudit(trx, {
      action: 'hubspot_connection.mapping_updated',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { mappedFields: Object.keys(input.mapping) },
    });
    return saved;
  });
}

export async function disconnectHubspot(db: Db, tenantId: string, actor: Actor): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const deleted = await trx.deleteFrom('hubspotConnections').executeTakeFirst();
    if (deleted.numDeletedRows === 0n) throw new AppError('not_found', 'HubSpot is not connected');
    await trx.deleteFrom('hubspotOutbox').execute();
    await trx.deleteFrom('hubspotRecords').execute();
    await recordAudit(trx, {
      action: 'hubspot_connection.deleted',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: {},
    });
  });
}
