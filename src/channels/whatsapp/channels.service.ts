import type { Actor } from '../../api-keys/api-keys.service.js';
import { recordAudit } from '../../audit/audit.repository.js';
import { assertPlanAllowsAnother, assertWithinPlan } from '../../plans/plans.service.js';
import type { Config } from '../../platform/config/config.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import { randomToken, sha256 } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { findChannel, insertChannel, listChannels, updateChannel } from './channels.repository.js';
import type { WhatsappChannel, WhatsappChannelUpdate } from './channels.table.js';
import { proveChannelTask } from './task-refs.js';

export interface ChannelInput {
  name: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
  accessToken: string;
  appSecret: string;
  /** Chosen by the caller, or generated and returned once. */
  verifyToken?: string;
  messagesPerSecond?: number;
  markAsRead?: boolean;
}

export type ChannelChanges = Partial<
  Pick<ChannelInput, 'name' | 'displayPhoneNumber' | 'accessToken' | 'appSecret' | 'verifyToken'> & {
    messagesPerSecond: number;
    messagingTier: number | null;
    markAsRead: boolean;
  }
>;

/** The purpose under which channel secrets are sealed; the webhook and the Graph client open with it. */
export function channelSecretBox(config: Pick<Config, 'secretKey' | 'previousSecretKeys'>): SecretBox {
  return new SecretBox(config.secretKey, 'whatsapp-channel', config.previousSecretKeys);
}

export function webhookUrl(config: Config, channelId: string): string {
  return `${config.http.publicUrl}/webhooks/whatsapp/${channelId}`;
}

/**
 * Only a proven channel (see prove-channel.task.ts) can meet another proven channel of its number here:
 * enabling it again after another workspace proved the number too. Its workspace proved control of the
 * number, so telling it is no leak to a stranger.
 */
function uniquePhoneNumber(error: unknown): never {
  if ((error as { code?: string }).code === '23505') {
    throw new AppError('conflict', 'Another channel has proven control of this phone number id', {
      cause: error,
    });
  }
  throw error;
}

export async function createChannel(
  db: Db,
  config: Config,
  tenantId: string,
  actor: Actor,
  input: ChannelInput,
): Promise<{ channel: WhatsappChannel; verifyToken: string }> {
  const box = channelSecretBox(config);
  const verifyToken = input.verifyToken ?? randomToken(24);
  const channel = await withTenant(db, tenantId, async (trx) => {
    await assertPlanAllowsAnother(trx, 'channels');
    const created = await insertChannel(trx, {
      name: input.name,
      phoneNumberId: input.phoneNumberId,
      displayPhoneNumber: input.displayPhoneNumber,
      wabaId: input.wabaId,
      accessTokenSealed: box.seal(input.accessToken),
      appSecretSealed: box.seal(input.appSecret),
      previousAppSecretSealed: null,
      previousAppSecretExpiresAt: null,
      verifyTokenHash: sha256(verifyToken),
      messagesPerSecond: input.messagesPerSecond,
      markAsRead: input.markAsRead,
      disabledAt: null,
    });
    // Created unproven: it works, and holds its number exclusively once its token is proven to control it.
    // The answer is the same whether or not another workspace has this number.
    await enqueue(trx, proveChannelTask, { channelId: created.id }, { requestId: actor.context.requestId });
    await recordAudit(trx, {
      action: 'whatsapp_channel.created',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { channelId: created.id, phoneNumberId: created.phoneNumberId },
    });
    return created;
  });
  return { channel, verifyToken };
}

export async function getChannel(db: Db, tenantId: string, id: string): Promise<WhatsappChannel> {
  const channel = await withTenant(db, tenantId, (trx) => findChannel(trx, id));
  if (!channel) throw new AppError('not_found', 'Channel not found');
  return channel;
}

export async function listTenantChannels(
  db: Db,
  tenantId: string,
  page: { limit: number; cursor?: string },
): Promise<WhatsappChannel[]> {
  return withTenant(db, tenantId, async (trx) => {
    const after = page.cursor ? await findChannel(trx, page.cursor) : undefined;
    if (page.cursor && !after) throw new AppError('bad_request', 'Unknown cursor');
    return listChannels(trx, { limit: page.limit, after });
  });
}

/**
 * Changes a channel. A new app secret does not cut Meta off mid-rotation: the old one keeps verifying
 * webhooks for the configured grace period.
 */
export async function changeChannel(
  db: Db,
  config: Config,
  tenantId: string,
  actor: Actor,
  id: string,
  changes: ChannelChanges,
): Promise<WhatsappChannel> {
  const box = channelSecretBox(config);
  return withTenant(db, tenantId, async (trx) => {
    const current = await findChannel(trx, id);
    if (!current) throw new AppError('not_found', 'Channel not found');
    const update: WhatsappChannelUpdate = {
      name: changes.name,
      displayPhoneNumber: changes.displayPhoneNumber,
      messagesPerSecond: changes.messagesPerSecond,
      messagingTier: changes.messagingTier,
      markAsRead: changes.markAsRead,
    };
    if (changes.accessToken) {
      // A new token proves itself anew; until then the channel holds its number no more.
      update.accessTokenSealed = box.seal(changes.accessToken);
      update.verifiedAt = null;
      update.verificationError = null;
    }
    if (changes.verifyToken) update.verifyTokenHash = sha256(changes.verifyToken);
    if (changes.appSecret) {
      update.appSecretSealed = box.seal(changes.appSecret);
      update.previousAppSecretSealed = current.appSecretSealed;
      update.previousAppSecretExpiresAt = new Date(Date.now() + config.whatsapp.appSecretGraceMs);
    }
    const updated = await updateChannel(trx, id, update);
    if (!updated) throw new AppError('not_found', 'Channel not found');
    if (changes.accessToken) {
      await enqueue(trx, proveChannelTask, { channelId: id }, { requestId: actor.context.requestId });
    }
    await recordAudit(trx, {
      action: 'whatsapp_channel.updated',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      // Names of what changed, never values: some are secrets.
      detail: { channelId: id, changed: Object.keys(changes).sort() },
    });
    return updated;
  });
}

export async function setChannelDisabled(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  disabled: boolean,
): Promise<WhatsappChannel> {
  return withTenant(db, tenantId, async (trx) => {
    const updated = await updateChannel(trx, id, { disabledAt: disabled ? new Date() : null }).catch(
      uniquePhoneNumber,
    );
    if (!updated) throw new AppError('not_found', 'Channel not found');
    if (!disabled) await assertWithinPlan(trx, 'channels');
    await recordAudit(trx, {
      action: disabled ? 'whatsapp_channel.disabled' : 'whatsapp_channel.enabled',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { channelId: id },
    });
    return updated;
  });
}
