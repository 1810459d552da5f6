import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toInboxConversation, ZInboxConversation } from '../conversations/conversation.schemas.js';
import { listContactConversationPage } from '../conversations/conversations.service.js';
import type { Db } from '../platform/db/database.js';
import { pageBody, ZCursor, ZPage, ZPageLimit, ZPageQuery } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine, ZText } from '../platform/http/text-fields.js';
import {
  CONSENT_CHANNELS,
  CONSENT_SOURCES,
  CONSENT_STATES,
  type ConsentEntry,
} from './consent/consent.table.js';
import { type ContactPanel, editContactProfile, getContactPanel } from './contact-panel.service.js';
import {
  contactConsent,
  contactTimeline,
  editLead,
  listContacts,
  recordConsentBy,
} from './contacts.service.js';
import { CONTACT_SOURCES, type Contact } from './contacts.table.js';
import { TIMELINE_KINDS, type TimelineEntry } from './timeline.js';

const ZProfileKey = z.enum(['firstName', 'lastName', 'company', 'email']);

const ZConsentEntry = z
  .object({
    id: z.uuid(),
    channel: z.enum(CONSENT_CHANNELS),
    state: z.enum(CONSENT_STATES),
    source: z.enum(CONSENT_SOURCES),
    shownText: z.string().nullable(),
    evidence: z.record(z.string(), z.unknown()),
    actorUserId: z.uuid().nullable(),
    recordedAt: z.iso.datetime(),
  })
  .meta({ id: 'ConsentEntry' });

function toConsentEntry(entry: ConsentEntry): z.infer<typeof ZConsentEntry> {
  return {
    id: entry.id,
    channel: entry.channel,
    state: entry.state,
    source: entry.source,
    shownText: entry.shownText,
    evidence: entry.evidence,
    actorUserId: entry.actorUserId,
    recordedAt: entry.recordedAt.toISOString(),
  };
}

const ZCurrentConsent = z.object({
  whatsapp: ZConsentEntry.nullable(),
  sms: ZConsentEntry.nullable(),
  email_marketing: ZConsentEntry.nullable(),
});

const leadFields = {
  stageId: z.uuid().nullable().describe("The pipeline stage; null means the workspace's first stage"),
  ownerUserId: z.uuid().nullable(),
  source: z.enum(CONTACT_SOURCES).nullable(),
  customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
};

const ZContactSummary = z
  .object({
    id: z.uuid(),
    phoneE164: z.string(),
    displayName: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    company: z.string().nullable(),
    email: z.string().nullable(),
    ...leadFields,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'ContactSummary' });

function toSummary(contact: Contact): z.infer<typeof ZContactSummary> {
  return {
    id: contact.id,
    phoneE164: contact.phoneE164,
    displayName: contact.displayName,
    firstName: contact.firstName,
    lastName: contact.lastName,
    company: contact.company,
    email: contact.email,
    stageId: contact.stageId,
    ownerUserId: contact.ownerUserId,
    source: contact.source,
    customFields: contact.customFields as Record<string, string | number | boolean>,
    createdAt: contact.createdAt.toISOString(),
    updatedAt: contact.updatedAt.toISOString(),
  };
}

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
    ...leadFields,
    consent: ZCurrentConsent.describe('The current consent per channel (null: never recorded)'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Contact' });

function toContact({ contact, required, missing, consent }: ContactPanel): z.infer<typeof ZContact> {
  const summary = toSummary(contact);
  return {
    ...summary,
    profileCompletedAt: contact.profileCompletedAt?.toISOString() ?? null,
    companyNone: contact.companyNone,
    profileConfirmedAt: contact.profileConfirmedAt?.toISOString() ?? null,
    qualification: { required, missing },
    consent: {
      whatsapp: consent.whatsapp && toConsentEntry(consent.whatsapp),
      sms: consent.sms && toConsentEntry(consent.sms),
      email_marketing: consent.email_marketing && toConsentEntry(consent.email_marketing),
    },
  };
}

// An empty string never erases a known value (as with the agent's writes): clearing is an explicit null.
const ZProfileValue = ZLine(254).nullable();
const PROFILE_KEYS = ['firstName', 'lastName', 'company', 'email'] as const;
const ZContactEdit = z
  .strictObject({
    firstName: ZProfileValue.optional(),
    lastName: ZProfileValue.optional(),
    company: ZProfileValue.optional(),
    email: ZProfileValue.optional(),
    stageId: z.uuid().optional().describe('Move the contact to this pipeline stage'),
    ownerUserId: z.uuid().nullable().optional().describe('A member of the workspace; null: nobody'),
    customFields: z
      .record(z.string().max(40), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe("Values by field key, checked against the field's type; null clears one"),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

const ZTimelineEntry = z
  .object({
    // Entries derived from other rows carry a key of UUID shape (an md5), not an RFC 4122 UUID.
    id: z.guid(),
    at: z.iso.datetime(),
    kind: z.enum(TIMELINE_KINDS),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TimelineEntry' });

function toTimelineEntry(entry: TimelineEntry): z.infer<typeof ZTimelineEntry> {
  return { id: entry.id, at: entry.at.toISOString(), kind: entry.kind, detail: entry.detail };
}

const ZConsentFilter = z
  .string()
  .regex(/^(whatsapp|sms|email_marketing):(opted_in|opted_out)$/, 'channel:state, e.g. whatsapp:opted_out')
  .transform((value) => {
    const [channel, state] = value.split(':') as [
      (typeof CONSENT_CHANNELS)[number],
      (typeof CONSENT_STATES)[number],
    ];
    return { channel, state };
  });

const ZFieldFilter = z
  .string()
  .min(3)
  .max(300)
  .regex(/^[a-z][a-z0-9_]{0,39}:/, 'key:value');

const ZListQuery = z.strictObject({
  limit: ZPageLimit,
  cursor: ZCursor.optional(),
  q: z.string().max(200).optional().describe('Names, e-mail, company or phone number'),
  stageId: z.uuid().optional(),
  owner: z
    .union([z.uuid(), z.literal('none')])
    .optional()
    .describe("A member's user id, or none"),
  source: z.enum(CONTACT_SOURCES).optional(),
  labelId: z.uuid().optional().describe('Contacts with a conversation carrying this label'),
  consent: ZConsentFilter.optional().describe('channel:state, e.g. whatsapp:opted_out'),
  field: z
    .union([ZFieldFilter, z.array(ZFieldFilter).max(5)])
    .optional()
    .describe('Custom field equals a value, as key:value (up to 5)'),
});

const ZConsentInput = z.strictObject({
  channel: z.enum(CONSENT_CHANNELS),
  state: z.enum(CONSENT_STATES),
  shownText: ZText(2000).nullable().default(null).describe('The words the person saw when consenting'),
  evidence: z
    .record(z.string().max(64), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
    .refine((value) => Object.keys(value).length <= 20, 'at most 20 entries')
    .default({})
    .describe('Flat key/value proof (form id, page URL, ...)'),
});

const ZId = z.strictObject({ id: z.uuid() });
const errors = errorResponses(400, 401, 403, 404, 409, 422);
const read = { permission: 'contacts.read', apiKeyScope: 'contacts:read' } as const;
const write = { permission: 'contacts.write', apiKeyScope: 'contacts:write' } as const;

/** Contacts: the list, a contact's profile and lead fields, its timeline and its consent ledger. */
export const contactsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/contacts',
    {
      config: { access: read },
      schema: {
        tags: ['contacts'],
        summary: 'Contacts, newest first: search and filters (stage, owner, source, label, consent, fields)',
        querystring: ZListQuery,
        response: {
          200: ZPage(ZContactSummary),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor, field, ...filters } = request.query;
      const result = await listContacts(db, tenantId, {
        limit,
        after: cursor,
        ...filters,
        fields: field === undefined ? [] : Array.isArray(field) ? field : [field],
      });
      reply.header('cache-control', 'no-store');
      return pageBody(result, toSummary);
    },
  );

  app.get(
    '/api/v1/contacts/:id',
    {
      config: { access: read },
      schema: {
        tags: ['contacts'],
        summary: "A contact's profile, lead fields, qualification progress and current consent",
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
      config: { access: write },
      schema: {
        tags: ['contacts'],
        summary: "Edit a contact's profile, stage, owner and custom fields (null clears a field)",
        params: ZId,
        body: ZContactEdit,
        response: { 200: ZContact, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { stageId, ownerUserId, customFields, ...profile } = request.body;
      const { id } = request.params;
      if (stageId !== undefined || ownerUserId !== undefined || customFields !== undefined) {
        await editLead(db, tenantId, actor, id, { stageId, ownerUserId, customFields });
      }
      if (PROFILE_KEYS.some((key) => profile[key] !== undefined)) {
        return toContact(await editContactProfile(db, tenantId, actor, id, profile));
      }
      return toContact(await getContactPanel(db, tenantId, id));
    },
  );

  app.get(
    '/api/v1/contacts/:id/timeline',
    {
      config: { access: read },
      schema: {
        tags: ['contacts'],
        summary:
          "A contact's timeline, newest first: messages, notes, call-backs, quotes, pipeline moves, consent",
        params: ZId,
        querystring: ZPageQuery,
        response: {
          200: ZPage(ZTimelineEntry),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor } = request.query;
      const result = await contactTimeline(db, tenantId, request.params.id, { limit, after: cursor });
      reply.header('cache-control', 'no-store');
      return pageBody(result, toTimelineEntry);
    },
  );

  app.get(
    '/api/v1/contacts/:id/consent',
    {
      config: { access: read },
      schema: {
        tags: ['contacts'],
        summary: "A contact's consent: the current state per channel and the ledger, newest first",
        params: ZId,
        response: {
          200: z.object({ current: ZCurrentConsent, history: z.array(ZConsentEntry) }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const { current, history } = await contactConsent(db, tenantId, request.params.id);
      reply.header('cache-control', 'no-store');
      return {
        current: {
          whatsapp: current.whatsapp && toConsentEntry(current.whatsapp),
          sms: current.sms && toConsentEntry(current.sms),
          email_marketing: current.email_marketing && toConsentEntry(current.email_marketing),
        },
        history: history.map(toConsentEntry),
      };
    },
  );

  app.post(
    '/api/v1/contacts/:id/consent',
    {
      config: { access: write },
      schema: {
        tags: ['contacts'],
        summary:
          "Record consent given or withdrawn (appended to the ledger); an opt-in never overrides the customer's opt-out",
        params: ZId,
        body: ZConsentInput,
        response: { 201: ZConsentEntry, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const entry = await recordConsentBy(db, tenantId, actor, request.params.id, request.body);
      reply.code(201);
      return toConsentEntry(entry);
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
        querystring: ZPageQuery,
        response: {
          200: ZPage(ZInboxConversation),
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
