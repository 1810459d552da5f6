import { createHash } from 'node:crypto';
import { type AuditActor, auditChange } from '../../audit/audit.repository.js';
import {
  CHANNEL_KINDS,
  type OutboundMediaKind,
  type OutboundMediaType,
} from '../../channels/channel-adapter.js';
import { channelAdapter } from '../../channels/registry.js';
import { type BlobStore, mediaBlobKey } from '../../platform/blobs/blob-store.js';
import { safeFileName } from '../../platform/blobs/file-names.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { findConversation } from '../conversations.repository.js';
import type { OutboundBody } from '../send-ledger.js';
import type { ConversationAttachment } from './attachments.table.js';
import { detectFileType, FILE_EXTENSIONS } from './file-type.js';

/** The attachment source operators' uploads are read from when their message is sent. */
export const UPLOAD_SOURCE = 'upload';

/** An image or document message naming an upload, as the send API takes it. */
export interface AttachmentSend {
  type: OutboundMediaKind;
  attachmentId: string;
  caption?: string | undefined;
}

export interface UploadInput {
  conversationId: string;
  fileName: string;
  /** The whole file (the upload's stream limit bounds it). */
  bytes: Buffer;
  /** The instance's media cap (MEDIA_MAX_BYTES): a channel's own limit can only be lower. */
  maxBytes: number;
}

/**
 * Stores a file an operator will send in a conversation, as an encrypted blob of the workspace. The file
 * is judged by its bytes: empty → 400; a type the
 * conversation's channel cannot send (whatever its name or header says) → 415; over the channel's limit
 * for its type → 413. Its name is kept sanitised, with the extension of the detected type. Audited.
 */
export async function uploadAttachment(
  db: Db,
  blobs: BlobStore,
  tenantId: string,
  actor: AuditActor,
  input: UploadInput,
): Promise<ConversationAttachment> {
  const { bytes } = input;
  const conversation = await withTenant(db, tenantId, (trx) => findConversation(trx, input.conversationId));
  if (!conversation) throw new AppError('not_found', 'Conversation not found');
  const accepted = channelAdapter(conversation.channelKind).outboundMedia;
  if (accepted.length === 0) {
    throw new AppError(
      'unsupported_media_type',
      `A ${conversation.channelKind} conversation cannot carry files`,
    );
  }
  if (bytes.length === 0) throw new AppError('bad_request', 'The file is empty');
  const mimeType = detectFileType(bytes, input.fileName);
  const rule = accepted.find((type) => type.mimeType === mimeType);
  if (!mimeType || !rule) {
    throw new AppError(
      'unsupported_media_type',
      `The file's content is not a type you can send: ${allowedList(accepted)}`,
    );
  }
  const limit = Math.min(rule.maxBytes, input.maxBytes);
  if (bytes.length > limit) {
    throw new AppError('payload_too_large', `A ${rule.kind} can be at most ${megabytes(limit)} MB`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const blobKey = mediaBlobKey(tenantId, sha256);
  // Outside the transaction: the encrypting store may read (or make) the workspace's data key on its own.
  await blobs.put(blobKey, bytes);
  return withTenant(db, tenantId, async (trx) => {
    const created = await trx
      .insertInto('conversationAttachments')
      .values({
        conversationId: conversation.id,
        kind: rule.kind,
        mimeType,
        fileName: safeFileName(input.fileName, FILE_EXTENSIONS[mimeType] ?? 'bin', rule.kind),
        sizeBytes: String(bytes.length),
        sha256,
        blobKey,
        uploadedByUserId: actor.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditChange(trx, tenantId, actor, 'conversations.attachment_uploaded', {
      attachmentId: created.id,
      conversationId: conversation.id,
      mimeType,
      sizeBytes: bytes.length,
    });
    return created;
  });
}

/** The largest file any channel accepts, within the instance's cap: the upload stream's own limit. */
export function uploadLimitBytes(maxBytes: number): number {
  const largest = CHANNEL_KINDS.flatMap((kind) =>
    channelAdapter(kind).outboundMedia.map((type) => type.maxBytes),
  );
  return Math.min(maxBytes, Math.max(1, ...largest));
}

/**
 * The ledger body of an image or document message naming an upload of this conversation (another
 * conversation's or workspace's upload is not found). The upload's kind must be the message's type.
 */
export async function attachmentBody(
  trx: TenantTransaction,
  conversationId: string,
  send: AttachmentSend,
): Promise<OutboundBody> {
  const attachment = await trx
    .selectFrom('conversationAttachments')
    .selectAll()
    .where('id', '=', send.attachmentId)
    .where('conversationId', '=', conversationId)
    .executeTakeFirst();
  if (!attachment) throw new AppError('not_found', 'Attachment not found');
  if (attachment.kind !== send.type) {
    throw new AppError('validation_failed', `This attachment is a ${attachment.kind}, not a ${send.type}`);
  }
  const file = {
    source: UPLOAD_SOURCE,
    id: attachment.id,
    filename: attachment.fileName,
    mimeType: attachment.mimeType,
    stored: { blobKey: attachment.blobKey, sizeBytes: Number(attachment.sizeBytes) },
  };
  const caption = send.caption ? { caption: send.caption } : {};
  return send.type === 'image'
    ? { type: 'image', image: file, ...caption }
    : { type: 'document', document: file, ...caption };
}

/** The bytes of an upload, for the channel's send (the `upload` attachment source). */
export async function attachmentBytes(
  trx: TenantTransaction,
  id: string,
  blobs: BlobStore,
): Promise<Buffer | undefined> {
  const row = await trx
    .selectFrom('conversationAttachments')
    .select('blobKey')
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? blobs.get(row.blobKey) : undefined;
}

/** The attachment sources conversations give the channels' runtimes. */
export const conversationAttachmentSources = { [UPLOAD_SOURCE]: attachmentBytes } as const;

function megabytes(bytes: number): string {
  return String(Math.floor((bytes / 1024 / 1024) * 10) / 10);
}

function allowedList(types: readonly OutboundMediaType[]): string {
  return [...new Set(types.map((type) => FILE_EXTENSIONS[type.mimeType] ?? type.mimeType))].join(', ');
}
