import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { findChannel } from './channels.repository.js';
import { type GraphApiClient, GraphApiError } from './graph-api.client.js';
import { downloadFileName } from './media-file.js';
import { baseMimeType, isSupportedMediaType } from './media-types.js';
import type { Template, TemplateCatalog } from './template-catalog.js';

/** What the inbox's WhatsApp reads need: the blob store and the Graph API with a channel's token. */
export interface InboxWhatsapp {
  graph: GraphApiClient;
  blobs: BlobStore;
  /** Channels' approved templates, remembered for rendering template messages. */
  templates: TemplateCatalog;
  openAccessToken(sealed: string): string;
}

export interface StoredMedia {
  body: Buffer;
  /** From our allow-list only; never what the customer's file claimed beyond it. */
  contentType: string;
  fileName: string;
}

/** A stored media file of the tenant's message; 404 for another tenant's, or while not downloaded. */
export async function readMessageMedia(
  db: Db,
  whatsapp: InboxWhatsapp,
  tenantId: string,
  messageId: string,
): Promise<StoredMedia> {
  const media = await withTenant(db, tenantId, (trx) =>
    trx
      .selectFrom('messageMedia')
      .select(['state', 'blobKey', 'mimeType', 'fileName'])
      .where('messageId', '=', messageId)
      .executeTakeFirst(),
  );
  // The key is the tenant's own prefix: a row can never point the read at another tenant's blobs.
  if (media?.state !== 'stored' || !media.blobKey?.startsWith(`${tenantId.toLowerCase()}/`)) {
    throw new AppError('not_found', 'No stored media for this message');
  }
  const body = await whatsapp.blobs.get(media.blobKey);
  if (!body) throw new AppError('not_found', 'No stored media for this message');
  const contentType = isSupportedMediaType(media.mimeType)
    ? (baseMimeType(media.mimeType) as string)
    : 'application/octet-stream';
  return { body, contentType, fileName: downloadFileName(media.fileName, contentType, `media-${messageId}`) };
}

/** The channel's approved message templates, asked of Meta now (they change outside Leadline). */
export async function approvedTemplates(
  db: Db,
  whatsapp: InboxWhatsapp,
  tenantId: string,
  channelId: string,
): Promise<Template[]> {
  const channel = await withTenant(db, tenantId, (trx) => findChannel(trx, channelId));
  if (!channel) throw new AppError('not_found', 'Channel not found');
  const graphChannel = {
    id: channel.id,
    phoneNumberId: channel.phoneNumberId,
    accessToken: whatsapp.openAccessToken(channel.accessTokenSealed),
  };
  try {
    // Remembered too: the next template message of this channel renders from this listing.
    return await whatsapp.templates.list(graphChannel, channel.wabaId);
  } catch (error) {
    if (!(error instanceof GraphApiError)) throw error;
    throw new AppError('provider_unavailable', `Meta did not list the templates: ${error.title}`, {
      cause: error,
    });
  }
}
