import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { mediaBlobKey } from '../../platform/blobs/blob-store.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { OutboundError } from '../../platform/http/outbound/errors.js';
import { defineTask } from '../../platform/jobs/task.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import { GraphApiError } from './graph-api.client.js';
import { baseMimeType, isSupportedMediaType, normaliseSha256 } from './media-types.js';
import type { WhatsappOutbound } from './outbound-runtime.js';
import { downloadMediaTask } from './task-refs.js';

/** A reason to stop trying: retrying would meet the same answer. */
class MediaRefused extends Error {}

async function markMedia(
  trx: TenantTransaction,
  messageId: string,
  changes: {
    state: 'stored' | 'failed';
    failure?: string;
    blobKey?: string;
    sizeBytes?: number;
    mimeType?: string;
  },
) {
  const updated = await trx
    .updateTable('messageMedia')
    .set({
      state: changes.state,
      failure: changes.failure?.slice(0, 500) ?? null,
      ...(changes.blobKey ? { blobKey: changes.blobKey } : {}),
      ...(changes.sizeBytes !== undefined ? { sizeBytes: String(changes.sizeBytes) } : {}),
      ...(changes.mimeType ? { mimeType: changes.mimeType } : {}),
      updatedAt: sql`now()`,
    })
    .where('messageId', '=', messageId)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) return;
  // Browsers showing the thread load the thumbnail now that it exists (or show the failure).
  const message = await trx
    .selectFrom('messages')
    .select('conversationId')
    .where('id', '=', messageId)
    .executeTakeFirstOrThrow();
  await publishInboxEvent(trx, {
    type: 'message.updated',
    conversationId: message.conversationId,
    messageId,
  });
}

/**
 * Fetches an inbound message's media: metadata from the Graph API, then the bytes from Meta's URL through
 * the SSRF-guarded client (HTTPS only, no redirects, no private addresses, MEDIA_MAX_BYTES enforced while
 * reading), a MIME allow-list, SHA-256 verification, and the blob store. A refusal (too large, wrong
 * type, guard) fails the media row at once; transient trouble is retried by the job, and the last attempt
 * records the failure instead of crashing again.
 */
export function createDownloadMediaTask(outbound: WhatsappOutbound) {
  const maxAttempts = downloadMediaTask.maxAttempts;
  return defineTask({
    ...downloadMediaTask,
    async handle({ messageId }, ctx) {
      const media = await ctx.withTenant((trx) =>
        trx
          .selectFrom('messageMedia')
          .innerJoin('messages', 'messages.id', 'messageMedia.messageId')
          .innerJoin('whatsappChannels', 'whatsappChannels.id', 'messages.channelId')
          .select([
            'messageMedia.providerMediaId',
            'messageMedia.state',
            'messageMedia.sha256',
            'messages.channelId',
            'whatsappChannels.phoneNumberId',
            'whatsappChannels.accessTokenSealed',
          ])
          .where('messageMedia.messageId', '=', messageId)
          .executeTakeFirst(),
      );
      // Outbound media (our own uploads) are stored from the start and have no Meta id to fetch.
      if (media?.state !== 'pending' || media.providerMediaId === null) return;
      const { providerMediaId } = media;
      const channel = {
        id: media.channelId,
        phoneNumberId: media.phoneNumberId,
        accessToken: outbound.openAccessToken(media.accessTokenSealed),
      };
      try {
        const info = await outbound.graph.mediaInfo(channel, providerMediaId);
        if (!isSupportedMediaType(info.mime_type))
          throw new MediaRefused(`unsupported media type ${baseMimeType(info.mime_type)}`);
        if (info.file_size !== undefined && info.file_size > outbound.mediaMaxBytes) {
          throw new MediaRefused(
            `media of ${info.file_size} bytes exceeds the ${outbound.mediaMaxBytes}-byte limit`,
          );
        }
        const { body, contentType } = await outbound.graph.downloadMedia(
          channel,
          info.url,
          outbound.mediaMaxBytes,
        );
        if (contentType !== undefined && !isSupportedMediaType(contentType)) {
          throw new MediaRefused(`download has unsupported type ${baseMimeType(contentType)}`);
        }
        const digest = createHash('sha256').update(body).digest('hex');
        const expected = normaliseSha256(info.sha256) ?? normaliseSha256(media.sha256);
        // A mismatch may be a cut-off transfer: retried like any transient failure.
        if (expected && expected !== digest) throw new Error('media SHA-256 does not match Meta’s');
        const blobKey = mediaBlobKey(ctx.tenantId, digest);
        await outbound.blobs.put(blobKey, body);
        await ctx.withTenant((trx) =>
          markMedia(trx, messageId, {
            state: 'stored',
            blobKey,
            sizeBytes: body.length,
            mimeType: baseMimeType(info.mime_type),
          }),
        );
      } catch (error) {
        const permanent =
          error instanceof MediaRefused ||
          (error instanceof GraphApiError && error.action !== 'retry') ||
          (error instanceof OutboundError && !error.retryable);
        if (!permanent && ctx.attempt < maxAttempts) throw error;
        const reason = error instanceof Error ? error.message : 'download failed';
        ctx.logger.warn({ messageId, reason }, 'media download failed');
        await ctx.withTenant((trx) => markMedia(trx, messageId, { state: 'failed', failure: reason }));
      }
    },
  });
}
