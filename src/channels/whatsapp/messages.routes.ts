import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Message } from '../../conversations/messages.table.js';
import type { Db } from '../../platform/db/database.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { ZText } from '../../platform/http/text-fields.js';
import type { InboxWhatsapp } from './inbox-whatsapp.service.js';
import { sendConversationMessage } from './messages.service.js';

// Tabs and line breaks are fine in a message; other control characters only ever confuse a display.
const ZTemplateParameter = z.record(z.string().max(100), z.unknown());
const ZSendBody = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('text'),
      // A message of only spaces is refused here, before anything is stored or queued.
      text: ZText(4096),
    }),
    z.strictObject({
      type: z.literal('template'),
      template: z.strictObject({
        name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'lower-case letters, digits and underscores'),
        language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code such as en or en_US'),
        components: z
          .array(
            z.strictObject({
              type: z.enum(['header', 'body', 'button']),
              sub_type: z.string().max(32).optional(),
              index: z.union([z.string().max(3), z.number().int().min(0).max(9)]).optional(),
              parameters: z.array(ZTemplateParameter).max(20).optional(),
            }),
          )
          .max(10)
          .optional(),
      }),
    }),
    // A file uploaded first (POST /conversations/:id/attachments): an image, or a document under its name.
    z.strictObject({
      type: z.literal('image'),
      attachmentId: z.uuid(),
      caption: ZText(1024).optional(),
    }),
    z.strictObject({
      type: z.literal('document'),
      attachmentId: z.uuid(),
      caption: ZText(1024).optional(),
    }),
  ])
  .meta({ id: 'SendMessage' });

const ZSentMessage = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    direction: z.literal('outbound'),
    author: z.enum(['bot', 'operator', 'system']),
    authorUserId: z.uuid().nullable(),
    type: z.string(),
    text: z.string().nullable(),
    status: z.enum(['pending', 'accepted', 'sent', 'delivered', 'read', 'played', 'failed']),
    statusAt: z.iso.datetime().nullable(),
    errorCode: z.number().int().nullable(),
    errorTitle: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'SentMessage' });

function toSentMessage(message: Message): z.infer<typeof ZSentMessage> {
  return {
    id: message.id,
    conversationId: message.conversationId,
    direction: 'outbound',
    author: message.author === 'customer' ? 'system' : message.author,
    authorUserId: message.authorUserId,
    type: message.type,
    text: message.text,
    status: message.status ?? 'pending',
    statusAt: message.statusAt?.toISOString() ?? null,
    errorCode: message.errorCode,
    errorTitle: message.errorTitle,
    providerMessageId: message.providerMessageId,
    createdAt: message.createdAt.toISOString(),
  };
}

/** The send API for later callers (inbox, campaigns): queue a message on a conversation's send ledger. */
export const whatsappMessagesRoutes: FastifyPluginAsyncZod<{
  db: Db;
  secretKeys: readonly string[];
  whatsapp: InboxWhatsapp;
}> = async (app, { db, secretKeys, whatsapp }) => {
  app.post(
    '/api/v1/conversations/:id/messages',
    {
      config: { access: { permission: 'conversations.write', apiKeyScope: 'messages:write' } },
      schema: {
        tags: ['conversations'],
        summary: 'Send a WhatsApp message (queued; 202 when new, 200 for a repeated Idempotency-Key)',
        params: z.object({ id: z.uuid() }),
        headers: z.object({
          'idempotency-key': z
            .string()
            .regex(/^[\x21-\x7e]{1,190}$/, '1 to 190 visible ASCII characters')
            .optional(),
        }),
        body: ZSendBody,
        response: { 200: ZSentMessage, 202: ZSentMessage, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { tenantId, userId, apiKeyId } = tenantActor(request);
      const { message, created } = await sendConversationMessage(
        db,
        tenantId,
        { userId, apiKeyId, requestId: request.id },
        {
          conversationId: request.params.id,
          body: request.body,
          idempotencyKey: request.headers['idempotency-key'],
        },
        { secretKeys, whatsapp, logger: request.log },
      );
      reply.code(created ? 202 : 200);
      return toSentMessage(message);
    },
  );
};
