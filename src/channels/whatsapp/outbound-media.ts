import { sql } from 'kysely';
import { z } from 'zod';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { TaskContext } from '../../platform/jobs/task.js';
import { GraphApiError, type GraphChannel } from './graph-api.client.js';
import type { OutboundForSend } from './outbound.repository.js';
import type { WhatsappOutbound } from './outbound-runtime.js';

/**
 * Where the bytes of an outbound file are read when its message is sent, by source name: the composition
 * root gives the runtime the sources (`quote-pdf` from the quotes domain, `upload` for operators' files),
 * so this channel never imports the domains whose files it carries. A source answers undefined for an id
 * it does not know; one whose bytes are blobs reads them from the runtime's (decrypting) blob store.
 */
export type AttachmentSources = Readonly<
  Record<string, (trx: TenantTransaction, id: string, blobs: BlobStore) => Promise<Buffer | undefined>>
>;

/** Meta's limit for a document (100 MB); our own media limit usually comes first. */
const DOCUMENT_MAX_BYTES = 100 * 1024 * 1024;

const ZAttachment = z.object({
  source: z.string().min(1).max(64),
  id: z.string().min(1).max(256),
  filename: z.string().min(1).max(240),
  mimeType: z.string().min(1).max(255),
});
const ZAttachmentContent = z.looseObject({
  document: ZAttachment.optional(),
  image: ZAttachment.optional(),
  /** Meta's id of the uploaded file, kept on the row so a retried send does not upload it again. */
  mediaId: z.string().min(1).max(256).optional(),
});
const ZButtons = z.looseObject({
  buttons: z
    .array(z.object({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) }))
    .min(1)
    .max(3),
});

export type Attachment = z.infer<typeof ZAttachment>;

/** The file a ledger row carries (document and image messages, templates with a DOCUMENT header), if any. */
export function rowAttachment(message: Pick<OutboundForSend, 'content'>): Attachment | undefined {
  const parsed = ZAttachmentContent.safeParse(message.content);
  return parsed.success ? (parsed.data.document ?? parsed.data.image) : undefined;
}

/** The message types whose own object is a file (`document`, `image`), with the text as its caption. */
export function isFileMessage(type: string): type is 'document' | 'image' {
  return type === 'document' || type === 'image';
}

/**
 * Meta's `document` or `image` object for a row whose file was uploaded as `mediaId`: an image has no file
 * name; a template's DOCUMENT header has no caption.
 */
export function mediaObject(message: OutboundForSend, mediaId: string): Record<string, unknown> {
  const attachment = rowAttachment(message);
  if (!attachment) throw new Error(`message ${message.id} has no file`);
  return {
    id: mediaId,
    ...(message.type === 'image' ? {} : { filename: attachment.filename }),
    ...(isFileMessage(message.type) && message.text ? { caption: message.text } : {}),
  };
}

/** Meta's interactive reply-button message object (up to three buttons). */
export function interactiveObject(message: OutboundForSend): Record<string, unknown> {
  const { buttons } = ZButtons.parse(message.content);
  return {
    type: 'button',
    body: { text: message.text ?? '' },
    action: { buttons: buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
  };
}

export type PreparedAttachment = { mediaId: string } | { failed: { code: number | null; title: string } };

/**
 * Uploads a row's file to Meta once: the media id is stored on the row in its own statement, so a retry
 * (or a send after an in-doubt wait) reuses it. A missing source or file fails the row (nothing could
 * ever send it); Meta refusing the file fails it with Meta's code; any other failure is thrown for the
 * job's retry — an upload repeated after a lost answer only leaves an unused file at Meta.
 */
export async function prepareAttachment(
  outbound: WhatsappOutbound,
  message: OutboundForSend,
  channel: GraphChannel,
  ctx: TaskContext<'tenant'>,
): Promise<PreparedAttachment | undefined> {
  const parsed = ZAttachmentContent.safeParse(message.content);
  const attachment = rowAttachment(message);
  if (!attachment) return undefined;
  if (parsed.data?.mediaId) return { mediaId: parsed.data.mediaId };
  const source = outbound.attachments?.[attachment.source];
  if (!source) return { failed: { code: null, title: `no source for ${attachment.source} files` } };
  const bytes = await ctx.withTenant((trx) => source(trx, attachment.id, outbound.blobs));
  if (!bytes) return { failed: { code: null, title: 'the file to send no longer exists' } };
  if (bytes.length > Math.min(DOCUMENT_MAX_BYTES, outbound.mediaMaxBytes)) {
    return { failed: { code: null, title: 'the file is larger than the media limit' } };
  }
  let mediaId: string;
  try {
    ({ id: mediaId } = await outbound.graph.uploadMedia(channel, {
      bytes,
      mimeType: attachment.mimeType,
      filename: attachment.filename,
    }));
  } catch (error) {
    if (error instanceof GraphApiError && !error.outcomeUnknown && error.action === 'permanent') {
      return { failed: { code: error.code ?? null, title: error.title } };
    }
    throw error;
  }
  await ctx.withTenant((trx) =>
    trx
      .updateTable('messages')
      .set({ content: sql`content || ${JSON.stringify({ mediaId })}::jsonb` })
      .where('id', '=', message.id)
      .execute(),
  );
  return { mediaId };
}
