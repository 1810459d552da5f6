import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import type { ConversationSummary } from './conversations.repository.js';
import {
  type ConversationPage,
  getConversation,
  listConversationPage,
  listMessagePage,
} from './conversations.service.js';
import type { Message } from './messages.table.js';
import { setOwnershipByUser } from './ownership.service.js';

// Cursors are opaque to clients: base64url of "<ISO time>|<uuid>", checked strictly when read back.
const ZCursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/)
  .transform((value, ctx) => {
    const [time, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
    const date = time ? new Date(time) : undefined;
    if (!date || Number.isNaN(date.getTime()) || !id || !z.uuid().safeParse(id).success) {
      ctx.addIssue({ code: 'custom', message: 'Invalid cursor' });
      return z.NEVER;
    }
    return { at: date, id };
  });

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');
}

const ZOwnership = z.enum(['bot', 'human', 'paused']);

const ZConversation = z
  .object({
    id: z.uuid(),
    channelId: z.uuid(),
    contact: z.object({ id: z.uuid(), phoneE164: z.string(), displayName: z.string().nullable() }),
    ownership: ZOwnership,
    pausedUntil: z.iso.datetime().nullable(),
    language: z.enum(['en', 'it', 'pt']).nullable(),
    lastInboundAt: z.iso.datetime().nullable(),
    lastMessageAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Conversation' });

const ZMessage = z
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

const iso = (date: Date | null) => date?.toISOString() ?? null;

function toConversation(row: ConversationSummary): z.infer<typeof ZConversation> {
  return {
    id: row.id,
    channelId: row.channelId,
    contact: { id: row.contactId, phoneE164: row.contactPhoneE164, displayName: row.contactDisplayName },
    ownership: row.ownership,
    pausedUntil: iso(row.pausedUntil),
    language: row.language,
    lastInboundAt: iso(row.lastInboundAt),
    lastMessageAt: iso(row.lastMessageAt),
    createdAt: row.createdAt.toISOString(),
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

function page<T, R>(result: ConversationPage<T>, map: (row: T) => R) {
  return {
    items: result.items.map(map),
    nextCursor: result.next ? encodeCursor(result.next.at, result.next.id) : null,
  };
}

const ZId = z.strictObject({ id: z.uuid() });
const ZLimit = z.coerce.number().int().min(1).max(100).default(50);
// A reason is shown in the conversation's history: control characters would let it forge lines there.
const isControl = (char: string) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f;
const ZReason = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .refine((value) => ![...value].some(isControl), 'must not contain control characters');
const errors = errorResponses(400, 401, 403, 404);

/** Conversations and their messages for the inbox; ownership changes by operators. */
export const conversationsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/conversations',
    {
      config: { access: { permission: 'conversations.read', apiKeyScope: 'messages:read' } },
      schema: {
        tags: ['conversations'],
        summary: 'Conversations, most recently active first',
        querystring: z.strictObject({
          limit: ZLimit,
          cursor: ZCursor.optional(),
          ownership: ZOwnership.optional(),
        }),
        response: {
          200: z.object({ items: z.array(ZConversation), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor, ownership } = request.query;
      const result = await listConversationPage(db, tenantId, { limit, after: cursor, ownership });
      reply.header('cache-control', 'no-store');
      return page(result, toConversation);
    },
  );

  app.get(
    '/api/v1/conversations/:id',
    {
      config: { access: { permission: 'conversations.read', apiKeyScope: 'messages:read' } },
      schema: {
        tags: ['conversations'],
        summary: 'One conversation',
        params: ZId,
        response: { 200: ZConversation, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      reply.header('cache-control', 'no-store');
      return toConversation(await getConversation(db, tenantId, request.params.id));
    },
  );

  app.get(
    '/api/v1/conversations/:id/messages',
    {
      config: { access: { permission: 'conversations.read', apiKeyScope: 'messages:read' } },
      schema: {
        tags: ['conversations'],
        summary: "A conversation's messages, oldest first (Meta's time for inbound messages)",
        params: ZId,
        querystring: z.strictObject({ limit: ZLimit, cursor: ZCursor.optional() }),
        response: {
          200: z.object({ items: z.array(ZMessage), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor } = request.query;
      const result = await listMessagePage(db, tenantId, request.params.id, { limit, after: cursor });
      reply.header('cache-control', 'no-store');
      return page(result, toMessage);
    },
  );

  app.put(
    '/api/v1/conversations/:id/ownership',
    {
      config: { access: { permission: 'conversations.write', apiKeyScope: 'messages:write' } },
      schema: {
        tags: ['conversations'],
        summary: 'Hand a conversation to a person, back to the bot, or pause the bot until a time',
        params: ZId,
        body: z.discriminatedUnion('ownership', [
          z.strictObject({ ownership: z.literal('bot'), reason: ZReason.optional() }),
          z.strictObject({ ownership: z.literal('human'), reason: ZReason.optional() }),
          z.strictObject({
            ownership: z.literal('paused'),
            until: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
            reason: ZReason.optional(),
          }),
        ]),
        response: { 200: ZConversation, ...errors, 409: errors[400] },
      },
    },
    async (request) => {
      const { tenantId, userId } = tenantActor(request);
      const body = request.body;
      await setOwnershipByUser(db, tenantId, {
        conversationId: request.params.id,
        userId,
        target: body.ownership === 'paused' ? { to: 'paused', until: body.until } : { to: body.ownership },
        reason: body.reason,
      });
      return toConversation(await getConversation(db, tenantId, request.params.id));
    },
  );
};
