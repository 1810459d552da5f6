import { z } from 'zod';
import { CHANNEL_KINDS } from '../channels/channel-adapter.js';
import { channelAdapter } from '../channels/registry.js';
import { toLabel, ZLabel } from '../labels/labels.routes.js';
import type { InboxConversation } from './conversations.service.js';
import { LANGUAGES } from './conversations.table.js';
import type { Message } from './messages.table.js';

export const PREVIEW_LENGTH = 140;

export const ZOwnership = z.enum(['bot', 'human', 'paused']);

/** The list and the detail share this one shape. */
export const ZInboxConversation = z
  .object({
    id: z.uuid(),
    channelId: z.uuid(),
    channelKind: z.enum(CHANNEL_KINDS).describe("The conversation's channel: WhatsApp or SMS"),
    ownership: ZOwnership,
    pausedUntil: z.iso.datetime().nullable(),
    snoozedUntil: z.iso
      .datetime()
      .nullable()
      .describe('Out of the open inbox until then, or until the customer writes'),
    language: z.enum(LANGUAGES).nullable(),
    lastInboundAt: z.iso.datetime().nullable(),
    lastMessageAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    status: z.enum(['open', 'closed']),
    assignee: z
      .object({ userId: z.uuid(), email: z.string(), displayName: z.string().nullable() })
      .nullable(),
    labels: z.array(ZLabel),
    unreadCount: z
      .number()
      .int()
      .describe("Inbound messages after the signed-in user's read mark, counted up to 100; 0 for API keys"),
    lastMessage: z
      .object({
        preview: z.string().nullable().describe('The first 140 characters of its text, if it has text'),
        type: z.string(),
        direction: z.enum(['inbound', 'outbound']),
        author: z.enum(['customer', 'bot', 'operator', 'system']),
        sentAt: z.iso.datetime(),
      })
      .nullable(),
    windowOpenUntil: z.iso.datetime().nullable().describe('Free text may be sent until then'),
    canAttach: z
      .boolean()
      .describe('Whether its channel sends images and documents (POST /conversations/{id}/attachments)'),
    contact: z.object({
      id: z.uuid(),
      phoneE164: z.string(),
      displayName: z.string().nullable(),
      firstName: z.string().nullable(),
      lastName: z.string().nullable(),
      company: z.string().nullable(),
      email: z.string().nullable(),
    }),
  })
  .meta({ id: 'InboxConversation' });

export const ZMessage = z
  .object({
    id: z.uuid(),
    direction: z.enum(['inbound', 'outbound']),
    author: z.enum(['customer', 'bot', 'operator', 'system']),
    authorUserId: z.uuid().nullable(),
    providerMessageId: z.string().nullable(),
    type: z.string(),
    text: z.string().nullable(),
    content: z.record(z.string(), z.unknown()),
    /** True for a type Leadline does not understand: shown as unsupported, kept whole in `content.raw`. */
    unsupported: z.boolean(),
    sentAt: z.iso.datetime(),
    status: z.enum(['pending', 'accepted', 'sent', 'delivered', 'read', 'played', 'failed']).nullable(),
    statusAt: z.iso.datetime().nullable(),
    errorCode: z.number().int().nullable(),
    errorTitle: z.string().nullable(),
  })
  .meta({ id: 'Message' });

export const iso = (date: Date | null) => date?.toISOString() ?? null;

function preview(text: string | null): string | null {
  if (text === null) return null;
  return [...text.replace(/\s+/g, ' ').trim()].slice(0, PREVIEW_LENGTH).join('');
}

export function toInboxConversation(row: InboxConversation): z.infer<typeof ZInboxConversation> {
  return {
    id: row.id,
    channelId: row.channelId,
    channelKind: row.channelKind,
    ownership: row.ownership,
    pausedUntil: iso(row.pausedUntil),
    snoozedUntil: row.snoozedUntil && row.snoozedUntil > new Date() ? row.snoozedUntil.toISOString() : null,
    language: row.language,
    lastInboundAt: iso(row.lastInboundAt),
    lastMessageAt: iso(row.lastMessageAt),
    createdAt: row.createdAt.toISOString(),
    status: row.status,
    assignee:
      row.assigneeUserId && row.assigneeEmail
        ? { userId: row.assigneeUserId, email: row.assigneeEmail, displayName: row.assigneeDisplayName }
        : null,
    labels: row.labels.map(toLabel),
    unreadCount: row.unreadCount,
    lastMessage:
      row.lastType && row.lastDirection && row.lastAuthor && row.lastSentAt
        ? {
            preview: preview(row.lastText),
            type: row.lastType,
            direction: row.lastDirection,
            author: row.lastAuthor,
            sentAt: row.lastSentAt.toISOString(),
          }
        : null,
    windowOpenUntil: iso(channelAdapter(row.channelKind).replyWindow.closesAt(row.lastInboundAt)),
    canAttach: channelAdapter(row.channelKind).outboundMedia.length > 0,
    contact: {
      id: row.contactId,
      phoneE164: row.contactPhoneE164,
      displayName: row.contactDisplayName,
      firstName: row.contactFirstName,
      lastName: row.contactLastName,
      company: row.contactCompany,
      email: row.contactEmail,
    },
  };
}

export function toMessage(row: Message): z.infer<typeof ZMessage> {
  return {
    id: row.id,
    direction: row.direction,
    author: row.author,
    authorUserId: row.authorUserId,
    providerMessageId: row.providerMessageId,
    type: row.type,
    text: row.text,
    content: row.content,
    unsupported: row.content.unsupported === true,
    sentAt: row.sentAt.toISOString(),
    status: row.status,
    statusAt: iso(row.statusAt),
    errorCode: row.errorCode,
    errorTitle: row.errorTitle,
  };
}
