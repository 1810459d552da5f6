import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import { withdrawUnsentMessages } from '../conversations/send-ledger.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import type { PageCursor } from '../platform/http/cursor.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import {
  findCampaign,
  type ListedRecipient,
  listCampaigns,
  listRecipients,
  recipientCounts,
} from './campaigns.repository.js';
import type { CampaignInput, CampaignPatch } from './campaigns.schemas.js';
import type { Campaign, CampaignContent, CampaignStatus, RecipientStatus } from './campaigns.table.js';
import { enqueueDispatch } from './dispatch-task-ref.js';

export async function loadCampaign(trx: TenantTransaction, id: string, forUpdate = false): Promise<Campaign> {
  const campaign = await findCampaign(trx, id, { forUpdate });
  if (!campaign) throw new AppError('not_found', 'Campaign not found');
  return campaign;
}

function assertDraft(campaign: Campaign, doing: string) {
  if (campaign.status !== 'draft') {
    throw new AppError('conflict', `Only a draft campaign can be ${doing} (this one is ${campaign.status})`);
  }
}

/** The content must fit the channel: WhatsApp sends templates, SMS texts, Lemlist names its campaign. */
export function assertContentFits(channelKind: Campaign['channelKind'], content: CampaignContent) {
  for (const variant of content.variants) {
    if (channelKind === 'whatsapp' && !variant.template) {
      throw new AppError('validation_failed', `Variant ${variant.key}: a WhatsApp campaign sends a template`);
    }
    if (channelKind === 'sms' && !variant.text) {
      throw new AppError('validation_failed', `Variant ${variant.key}: an SMS campaign sends a text`);
    }
    if (channelKind !== 'whatsapp' && variant.template) {
      throw new AppError('validation_failed', `Variant ${variant.key}: templates are for WhatsApp campaigns`);
    }
  }
}

async function assertChannel(
  trx: TenantTransaction,
  kind: Campaign['channelKind'],
  channelId: string | null,
) {
  if (kind === 'lemlist') {
    if (channelId !== null) throw new AppError('validation_failed', 'A Lemlist campaign has no channel');
    return;
  }
  if (channelId === null) return; // a draft may choose its channel later; launch requires it
  const found =
    kind === 'whatsapp'
      ? await trx.selectFrom('whatsappChannels').select('id').where('id', '=', channelId).executeTakeFirst()
      : await trx.selectFrom('twilioNumbers').select('id').where('id', '=', channelId).executeTakeFirst();
  if (!found) throw new AppError('validation_failed', `No ${kind} channel with this id in the workspace`);
}

async function audit(trx: TenantTransaction, tenantId: string, actor: Actor, action: string, c: Campaign) {
  await auditChange(trx, tenantId, actor, action, { campaignId: c.id, name: c.name, status: c.status });
}

export async function publishCampaignProgress(trx: TenantTransaction, campaignId: string) {
  await publishInboxEvent(trx, { type: 'campaign.progress', campaignId });
}

export async function createCampaign(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: CampaignInput,
): Promise<Campaign> {
  return withTenant(db, tenantId, async (trx) => {
    assertContentFits(input.channelKind, input.content);
    const channelId = input.channelKind === 'lemlist' ? null : input.channelId;
    await assertChannel(trx, input.channelKind, input.channelId);
    const campaign = await trx
      .insertInto('campaigns')
      .values({
        name: input.name,
        channelKind: input.channelKind,
        channelId,
        segmentId: input.segmentId,
        replyHandling: input.replyHandling,
        content: JSON.stringify(input.content),
        quietHoursStart: input.quietHours?.start ?? null,
        quietHoursEnd: input.quietHours?.end ?? null,
        createdByUserId: actor.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        // The only check left to the database: a WhatsApp or SMS campaign needs its channel.
        if ((error as { code?: string }).code === '23514') {
          throw new AppError('validation_failed', 'A WhatsApp or SMS campaign needs its channelId', {
            cause: error,
          });
        }
        throw error;
      });
    await audit(trx, tenantId, actor, 'campaign.created', campaign);
    return campaign;
  });
}

export async function changeCampaign(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  patch: CampaignPatch,
): Promise<Campaign> {
  return withTenant(db, tenantId, async (trx) => {
    const current = await loadCampaign(trx, id, true);
    assertDraft(current, 'changed');
    const content = patch.content ?? current.content;
    assertContentFits(current.channelKind, content);
    if (patch.channelId !== undefined) await assertChannel(trx, current.channelKind, patch.channelId);
    if (current.channelKind !== 'lemlist' && patch.channelId === null) {
      throw new AppError('validation_failed', 'A WhatsApp or SMS campaign needs its channelId');
    }
    const campaign = await trx
      .updateTable('campaigns')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.channelId !== undefined ? { channelId: patch.channelId } : {}),
        ...(patch.segmentId !== undefined ? { segmentId: patch.segmentId } : {}),
        ...(patch.replyHandling !== undefined ? { replyHandling: patch.replyHandling } : {}),
        ...(patch.content !== undefined ? { content: JSON.stringify(patch.content) } : {}),
        ...(patch.quietHours !== undefined
          ? {
              quietHoursStart: patch.quietHours?.start ?? null,
              quietHoursEnd: patch.quietHours?.end ?? null,
            }
          : {}),
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, tenantId, actor, 'campaign.updated', campaign);
    return campaign;
  });
}

export async function deleteCampaign(db: Db, tenantId: string, actor: Actor, id: string): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const campaign = await loadCampaign(trx, id, true);
    assertDraft(campaign, 'deleted');
    await trx.deleteFrom('campaigns').where('id', '=', id).execute();
    await audit(trx, tenantId, actor, 'campaign.deleted', campaign);
  });
}

export async function getCampaign(db: Db, tenantId: string, id: string): Promise<Campaign> {
  return withTenant(db, tenantId, (trx) => loadCampaign(trx, id));
}

export async function campaignPage(
  db: Db,
  tenantId: string,
  filters: { after?: PageCursor | undefined; limit: number; status?: CampaignStatus | undefined },
): Promise<Campaign[]> {
  return withTenant(db, tenantId, (trx) => listCampaigns(trx, filters));
}

export async function recipientPage(
  db: Db,
  tenantId: string,
  campaignId: string,
  filters: { after?: PageCursor | undefined; limit: number; status?: RecipientStatus | undefined },
): Promise<ListedRecipient[]> {
  return withTenant(db, tenantId, async (trx) => {
    await loadCampaign(trx, campaignId);
    return listRecipients(trx, campaignId, filters);
  });
}

/** The statuses a lifecycle action moves a campaign from, and to. */
const TRANSITIONS = {
  pause: { from: ['running', 'scheduled'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['scheduled', 'running', 'paused'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly CampaignStatus[]; to: CampaignStatus }>;
export type LifecycleAction = keyof typeof TRANSITIONS;

/**
 * Pause, resume or cancel. The dispatcher reads the campaign's status before every batch (and is woken by
 * NOTIFY), so the change stops sends within a second. Cancel also marks every still-queued recipient
 * cancelled in the same statement.
 */
export async function changeCampaignStatus(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  action: LifecycleAction,
): Promise<Campaign> {
  return withTenant(db, tenantId, async (trx) => {
    const current = await loadCampaign(trx, id, true);
    const transition = TRANSITIONS[action];
    if (!(transition.from as readonly CampaignStatus[]).includes(current.status)) {
      throw new AppError('conflict', `A ${current.status} campaign cannot be ${action}d`);
    }
    // A campaign paused before its scheduled start resumes as scheduled.
    const to: CampaignStatus =
      action === 'resume' && current.launchedAt === null ? 'scheduled' : transition.to;
    const now = new Date();
    const campaign = await trx
      .updateTable('campaigns')
      .set({
        status: to,
        pausedReason: action === 'pause' ? 'paused by a member' : null,
        ...(action === 'cancel' ? { completedAt: now } : {}),
        updatedAt: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (action === 'cancel') {
      await trx
        .updateTable('campaignRecipients')
        .set({ status: 'cancelled', updatedAt: now })
        .where('campaignId', '=', id)
        .where('status', '=', 'queued')
        .execute();
      // Handed to the channel but not yet on their way: withdrawn from the ledger, never sent.
      const waiting = await trx
        .selectFrom('campaignRecipients as r')
        .innerJoin('messages as m', 'm.id', 'r.messageId')
        .select('m.id')
        .where('r.campaignId', '=', id)
        .where('r.status', '=', 'sent')
        .where('m.status', '=', 'pending')
        .where('m.sendStartedAt', 'is', null)
        // Only recent hand-overs can still be waiting (the dispatcher keeps a second of them).
        .where('r.sentAt', '>', new Date(now.getTime() - 600_000))
        .execute();
      const withdrawn = await withdrawUnsentMessages(
        trx,
        waiting.map((row) => row.id),
        'campaign cancelled before this message left',
      );
      if (withdrawn.length > 0) {
        await trx
          .updateTable('campaignRecipients')
          .set({ status: 'cancelled', sentAt: null, updatedAt: now })
          .where('campaignId', '=', id)
          .where('messageId', 'in', withdrawn)
          .execute();
      }
    }
    if (action === 'resume') {
      await enqueueDispatch(trx, id, actor.context.requestId, campaign.scheduledAt ?? undefined);
    }
    await audit(
      trx,
      tenantId,
      actor,
      `campaign.${action === 'cancel' ? 'cancelled' : `${action}d`}`,
      campaign,
    );
    await publishCampaignProgress(trx, id);
    return campaign;
  });
}

export async function campaignCounts(db: Db, tenantId: string, id: string) {
  return withTenant(db, tenantId, async (trx) => {
    const campaign = await loadCampaign(trx, id);
    return { campaign, counts: await recipientCounts(trx, id) };
  });
}
