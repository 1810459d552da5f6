import type { Generated, Selectable } from 'kysely';
import type { OutboundMediaKind } from '../../channels/channel-adapter.js';

/** A file an operator uploaded to send in a conversation; the bytes are an encrypted blob (`blobKey`). */
export interface ConversationAttachmentsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  conversationId: string;
  kind: OutboundMediaKind;
  /** Read from the bytes at upload, never the client's claim. */
  mimeType: string;
  /** The sanitised original name, with the extension of `mimeType`; never used in a path. */
  fileName: string;
  sizeBytes: string;
  sha256: string;
  blobKey: string;
  uploadedByUserId: string | null;
  createdAt: Generated<Date>;
}

export type ConversationAttachment = Selectable<ConversationAttachmentsTable>;
