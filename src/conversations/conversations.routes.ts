import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { pageBody, ZCursor, ZPage } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine } from '../platform/http/text-fields.js';
import {
  toInboxConversation,
  toMessage,
  ZInboxConversation,
  ZMessage,
  ZOwnership,
} from './conversation.schemas.js';
import { getConversation, listConversationPage, listMessagePage } from './conversations.service.js';
import { inboxSearchTerm } from './inbox.repository.js';
import { setOwnershipByUser } from './ownership.service.js';

const ZId = z.strictObject({ id: z.uuid() });
const ZLimit = z.coerce.number().int().min(1).max(100).default(50);
// A reason is shown in the conversation's history: control characters would let it forge lines there.
const ZReason = ZLine(500);
const errors = errorResponses(400, 401, 403, 404);

/** Conversations and their messages for the inbox; ownership changes by operators. */
export const conversationsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/conversations',
    {
      config: { access: { permission: 'conversations.read', apiKeyScope: 'messages:read' } },
      schema: {
        tags: ['conversations'],
        summary: 'The inbox: conversations, most recently active first',
        description:
          'filter: open (default), mine (open, assigned to the signed-in user), unassigned, bot, human ' +
          '(human or paused), all open and not snoozed; snoozed; closed. q matches part of the contact name, e-mail, company or ' +
          'phone number (digits, with or without +), ignoring case.',
        querystring: z.strictObject({
          limit: ZLimit,
          cursor: ZCursor.optional(),
          filter: z.enum(['open', 'mine', 'unassigned', 'bot', 'human', 'closed', 'snoozed']).default('open'),
          ownership: ZOwnership.optional(),
          labelId: z.uuid().optional(),
          q: ZLine(100).optional(),
        }),
        response: {
          200: ZPage(ZInboxConversation),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId, userId } = tenantActor(request);
      const { limit, cursor, filter, ownership, labelId, q } = request.query;
      if (filter === 'mine' && !userId) {
        throw new AppError('validation_failed', 'filter=mine needs a signed-in user');
      }
      const result = await listConversationPage(db, tenantId, {
        viewerUserId: userId,
        limit,
        after: cursor,
        filter,
        ownership,
        labelId,
        search: q === undefined ? undefined : inboxSearchTerm(q),
      });
      reply.header('cache-control', 'no-store');
      return pageBody(result, toInboxConversation);
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
        response: { 200: ZInboxConversation, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, userId } = tenantActor(request);
      reply.header('cache-control', 'no-store');
      return toInboxConversation(await getConversation(db, tenantId, userId, request.params.id));
    },
  );

  app.get(
    '/api/v1/conversations/:id/messages',
    {
      config: { access: { permission: 'conversations.read', apiKeyScope: 'messages:read' } },
      schema: {
        tags: ['conversations'],
        summary: "A conversation's messages by time (Meta's for inbound): oldest first, or newest first",
        params: ZId,
        querystring: z.strictObject({
          limit: ZLimit,
          cursor: ZCursor.optional(),
          order: z.enum(['asc', 'desc']).default('asc'),
        }),
        response: {
          200: ZPage(ZMessage),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor, order } = request.query;
      const result = await listMessagePage(db, tenantId, request.params.id, { limit, after: cursor, order });
      reply.header('cache-control', 'no-store');
      return pageBody(result, toMessage);
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
        response: { 200: ZInboxConversation, ...errors, 409: errors[400] },
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
      return toInboxConversation(await getConversation(db, tenantId, userId, request.params.id));
    },
  );
};
