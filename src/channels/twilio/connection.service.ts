import type { Actor } from '../../api-keys/api-keys.service.js';
import { recordAudit } from '../../audit/audit.repository.js';
import { assertPlanAllowsAnother } from '../../plans/plans.service.js';
import type { Config } from '../../platform/config/config.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { TwilioApiError, type TwilioCredentials, type TwilioRestClient } from './rest.client.js';
import type { TwilioConnection, TwilioNumber } from './twilio.table.js';

export interface ConnectionInput {
  accountSid: string;
  authToken: string;
  apiKeySid?: string;
  apiKeySecret?: string;
}

/** Twilio secrets are sealed under their own purpose, beside (not inside) WhatsApp's. */
export function twilioSecretBox(config: Pick<Config, 'secretKey' | 'previousSecretKeys'>): SecretBox {
  return new SecretBox(config.secretKey, 'twilio-connection', config.previousSecretKeys);
}

/** REST credentials: the API key when there is one (revocable on its own), else the auth token. */
export function restCredentials(box: SecretBox, connection: TwilioConnection): TwilioCredentials {
  if (connection.apiKeySid && connection.apiKeySecretSealed) {
    return {
      accountSid: connection.accountSid,
      username: connection.apiKeySid,
      password: box.open(connection.apiKeySecretSealed),
    };
  }
  return {
    accountSid: connection.accountSid,
    username: connection.accountSid,
    password: box.open(connection.authTokenSealed),
  };
}

export async function findConnection(trx: TenantTransaction): Promise<TwilioConnection | undefined> {
  return trx.selectFrom('twilioConnections').selectAll().executeTakeFirst();
}

function refused(error: unknown): never {
  if (
    error instanceof TwilioApiError &&
    (error.status === 401 || error.status === 403 || error.status === 404)
  ) {
    throw new AppError('validation_failed', 'Twilio refused these credentials', { cause: error });
  }
  throw new AppError('provider_unavailable', 'Twilio could not be reached to check the credentials', {
    cause: error,
  });
}

/**
 * Connects (or replaces) the workspace's Twilio account, after Twilio itself accepted the credentials:
 * the auth token (which signs Twilio's webhooks) always, and the API key when one is given.
 */
export async function connectTwilio(
  db: Db,
  config: Config,
  rest: TwilioRestClient,
  tenantId: string,
  actor: Actor,
  input: ConnectionInput,
): Promise<TwilioConnection> {
  const byToken = { accountSid: input.accountSid, username: input.accountSid, password: input.authToken };
  const account = await rest.fetchAccount(byToken).catch(refused);
  if (input.apiKeySid && input.apiKeySecret) {
    await rest
      .fetchAccount({ accountSid: input.accountSid, username: input.apiKeySid, password: input.apiKeySecret })
      .catch(refused);
  }
  const box = twilioSecretBox(config);
  const row = {
    accountSid: input.accountSid,
    authTokenSealed: box.seal(input.authToken),
    apiKeySid: input.apiKeySid ?? null,
    apiKeySecretSealed: input.apiKeySecret ? box.seal(input.apiKeySecret) : null,
    friendlyName: account.friendly_name?.slice(0, 200) ?? null,
    verifiedAt: new Date(),
  };
  return withTenant(db, tenantId, async (trx) => {
    const previous = await findConnection(trx);
    if (!previous) await assertPlanAllowsAnother(trx, 'channels');
    if (previous && previous.accountSid !== input.accountSid) {
      // Numbers belong to an account: another account's would be refused as caller ids.
      await trx.deleteFrom('twilioNumbers').execute();
    }
    const saved = await trx
      .insertInto('twilioConnections')
      .values(row)
      .onConflict((conflict) => conflict.column('tenantId').doUpdateSet({ ...row, updatedAt: new Date() }))
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      action: previous ? 'twilio_connection.updated' : 'twilio_connection.created',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { accountSid: input.accountSid, apiKey: Boolean(input.apiKeySid) },
    });
    return saved;
  });
}

export async function disconnectTwilio(db: Db, tenantId: string, actor: Actor): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const deleted = await trx.deleteFrom('twilioConnections').executeTakeFirst();
    if (deleted.numDeletedRows === 0n) throw new AppError('not_found', 'Twilio is not connected');
    await trx.deleteFrom('twilioNumbers').execute();
    await recordAudit(trx, {
      action: 'twilio_connection.deleted',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: {},
    });
  });
}

export async function listNumbers(trx: TenantTransaction): Promise<TwilioNumber[]> {
  return trx.selectFrom('twilioNumbers').selectAll().orderBy('phoneE164').execute();
}

/** Replaces the stored numbers with the account's IncomingPhoneNumbers (keeping ids of those that stay). */
export async function syncNumbers(
  db: Db,
  config: Config,
  rest: TwilioRestClient,
  tenantId: string,
): Promise<TwilioNumber[]> {
  const connection = await withTenant(db, tenantId, findConnection);
  if (!connection) throw new AppError('not_found', 'Twilio is not connected');
  const numbers = await rest
    .listIncomingNumbers(restCredentials(twilioSecretBox(config), connection))
    .catch((error: unknown) => {
      throw new AppError('provider_unavailable', 'Twilio could not list the account’s numbers', {
        cause: error,
      });
    });
  const valid = numbers.filter((number) => /^\+[1-9][0-9]{6,14}$/.test(number.phoneNumber));
  return withTenant(db, tenantId, async (trx) => {
    for (const number of valid) {
      const values = {
        phoneE164: number.phoneNumber,
        numberSid: /^PN[0-9a-f]{32}$/.test(number.sid) ? number.sid : null,
        sms: number.sms,
        voice: number.voice,
      };
      await trx
        .insertInto('twilioNumbers')
        .values(values)
        .onConflict((conflict) => conflict.columns(['tenantId', 'phoneE164']).doUpdateSet(values))
        .execute();
    }
    const keep = valid.map((number) => number.phoneNumber);
    let stale = trx.deleteFrom('twilioNumbers').where('numberSid', 'is not', null);
    if (keep.length > 0) stale = stale.where('phoneE164', 'not in', keep);
    await stale.execute();
    return listNumbers(trx);
  });
}

/** A number entered by hand (e.g. a verified caller id not listed among IncomingPhoneNumbers). */
export async function addNumber(
  db: Db,
  tenantId: string,
  input: { phoneE164: string; sms: boolean; voice: boolean },
): Promise<TwilioNumber> {
  return withTenant(db, tenantId, async (trx) => {
    if (!(await findConnection(trx))) throw new AppError('not_found', 'Twilio is not connected');
    const added = await trx
      .insertInto('twilioNumbers')
      .values({ ...input, numberSid: null })
      .onConflict((conflict) => conflict.columns(['tenantId', 'phoneE164']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!added) throw new AppError('conflict', 'This number is already listed');
    return added;
  });
}

export async function removeNumber(db: Db, tenantId: string, id: string): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const deleted = await trx.deleteFrom('twilioNumbers').where('id', '=', id).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) throw new AppError('not_found', 'Number not found');
  });
}
