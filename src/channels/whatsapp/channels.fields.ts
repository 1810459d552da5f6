import { z } from 'zod';
import { ZLine } from '../../platform/http/text-fields.js';

// Channel fields as the API and the CLI accept them (one definition for both).

export const ZMetaId = z.string().regex(/^[0-9]{1,32}$/, 'must be Meta’s numeric id');
const ZSecret = z
  .string()
  .min(8)
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const ZChangeable = {
  name: ZLine(200),
  displayPhoneNumber: ZLine(32),
  accessToken: ZSecret,
  appSecret: ZSecret,
  verifyToken: ZSecret.max(200),
  messagesPerSecond: z.number().int().min(1).max(1000),
  /** Meta's messaging tier (unique recipients per rolling 24 h); null: unlimited. Campaigns respect it. */
  messagingTier: z.union([z.literal(250), z.literal(2000), z.literal(10000), z.literal(100000)]).nullable(),
  markAsRead: z.boolean(),
};

/** Everything a new channel needs; the verify token is generated when not given. */
export const ZNewChannel = z.strictObject({
  name: ZChangeable.name,
  phoneNumberId: ZMetaId,
  displayPhoneNumber: ZChangeable.displayPhoneNumber,
  wabaId: ZMetaId,
  accessToken: ZChangeable.accessToken,
  appSecret: ZChangeable.appSecret,
  verifyToken: ZChangeable.verifyToken.optional(),
  messagesPerSecond: ZChangeable.messagesPerSecond.optional(),
  markAsRead: ZChangeable.markAsRead.optional(),
});

export const ZChannelChanges = z
  .strictObject({
    name: ZChangeable.name.optional(),
    displayPhoneNumber: ZChangeable.displayPhoneNumber.optional(),
    accessToken: ZChangeable.accessToken.optional(),
    appSecret: ZChangeable.appSecret.optional(),
    verifyToken: ZChangeable.verifyToken.optional(),
    messagesPerSecond: ZChangeable.messagesPerSecond.optional(),
    messagingTier: ZChangeable.messagingTier.optional(),
    markAsRead: ZChangeable.markAsRead.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
