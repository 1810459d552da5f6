import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toInboxConversation, ZInboxConversation } from '../conversations/conversation.schemas.js';
import { listContactConversationPage } from '../conversations/conversations.service.js';
import type { Db } from '../platform/db/database.js';
import { pageBody, ZCursor } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine } from '../platform/http/text-fields.js';
import { type ContactPanel, editContactProfile, getContactPanel } from './contact-panel.service.js';

const ZProfileKey = z.enum(['firstName', 'lastName', 'company', 'email']);

const ZContact = z
  .object({
    id: z.uuid(),
    phoneE164: z.string(),
    displayName: z.string().nullable().describe("The customer's WhatsApp profile name"),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    company: z.string().nullable(),
    email: z.string().nullable(),
    profileCompletedAt: z.iso.datetime().nullable(),
    companyNone: z
      .boolean()
      .describe('The customer said they have no company (freelancer, self-employed, ...)'),
    profileConfirmedAt: z.iso
      .datetime()
      .nullable()
      .describe("When the customer confirmed the qualifier's summary (only where that step is on)"),
    qualification: z.object({ required: z.array(ZProfileKey), missing: z.array(ZProfileKey) }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Contact' });

function toContact({ contact, required, missing }: ContactPanel): z.infer<typeof ZContact> {
  return {
    id: contact.id,
    phoneE164: contact.phoneE164,
    displayName: contact.displayName,
    firstName: contact.firstName,
    lastName: contact.lastName,
    company: contact.company,
    email: contact.email,
    profileCompletedAt: contact.profileCompletedAt?.toISOString() ?? null,
    companyNone: contact.companyNone,
    profileConfirmedAt: contact.profileConfirmedAt?.toISOString() ?? null,
    qualification: { required, missing },
    createdAt: contact.createdAt.toISOString(),
    updatedAt: contact.updatedAt.toISOString(),
  };
}

// An empty string never erases a known value (as with the agent's writes): clearing is an explicit null.
const ZProfileValue = ZLine(254).nullable();
const ZContactEdit = z
  .strictObject({
    firstName: ZProfileValue.optional(),
    lastName: ZProfileValue.optional(),
    company: ZProfileValue.optional(),
    email: ZProfileValue.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

const ZId = z.strictObject({ id: z.uuid() });
const errors = errorResponses(400, 401, 403, 404);

/** The contact panel: a customer's profile, its qualification progress and conversation history. */
export const contactsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/contacts/:id',
    {
      config: { access: { permission: 'contacts.read', apiKeyScope: 'contacts:read' } },
      schema: {
        tags: ['contacts'],
        summary: "A contact's profile and qualification progress",
        params: ZId,
        response: { 200: ZContact, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      reply.header('cache-control', 'no-store');
      return toContact(await getContactPanel(db, tenantId, request.params.id));
    },
  );

  app.patch(
    '/api/v1/contacts/:id',
    {
      config: { access: { permission: 'contacts.write', apiKeyScope: 'contacts:write' } },
      schema: {
        tags: ['contacts'],
        summary: "Edit a contact's profile (null clears a field)",
        params: ZId,
        body: ZContactEdit,
        response: { 200: ZContact, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toContact(await editContactProfile(db, tenantId, actor, request.params.id, request.body));
    },
  );

  app.get(
    '/api/v1/contacts/:id/conversations',
    {
      config: { access: { permission: 'conversations.read', apiKeyScope: 'messages:read' } },
      schema: {
        tags: ['contacts'],
        summary: "A contact's conversations, open and closed, most recently active first",
        params: ZId,
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(50),
          cursor: ZCursor.optional(),
        }),
        response: {
          200: z.object({ items: z.array(ZInboxConversation), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId, userId } = tenantActor(request);
      const { limit, cursor } = request.query;
      const result = await listContactConversationPage(db, tenantId, request.params.id, {
        viewerUserId: userId,
        limit,
        after: cursor,
      });
      reply.header('cache-control', 'no-store');
      return pageBody(result, toInboxConversation);
    },
  );
};
