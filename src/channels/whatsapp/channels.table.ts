import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface WhatsappChannelsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  name: string;
  /** Meta's id of the business phone number; the Graph API path of every send. */
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
  /** Sealed with the secret box (purpose `whatsapp-channel`); never returned by the API. */
  accessTokenSealed: string;
  appSecretSealed: string;
  /** The app secret being rotated out; accepted until `previousAppSecretExpiresAt`. */
  previousAppSecretSealed: string | null;
  previousAppSecretExpiresAt: Date | null;
  /** SHA-256 of the verify token: it is only ever compared. */
  verifyTokenHash: Buffer;
  messagesPerSecond: Generated<number>;
  /** Meta's messaging tier: unique recipients per rolling 24 h (null: unlimited). */
  messagingTier: Generated<number | null>;
  markAsRead: Generated<boolean>;
  disabledAt: Date | null;
  /** When Meta confirmed the access token controls `phoneNumberId`; only then is the number held exclusively. */
  verifiedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Why the last proof failed; null while it is pending or once it succeeded. */
  verificationError: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export type WhatsappChannel = Selectable<WhatsappChannelsTable>;
export type NewWhatsappChannel = Insertable<WhatsappChannelsTable>;
export type WhatsappChannelUpdate = Updateable<WhatsappChannelsTable>;
