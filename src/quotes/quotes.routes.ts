import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { pageBody, ZCursor, ZPage, ZPageLimit } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine } from '../platform/http/text-fields.js';
import { approvalQueue, approveQuote, rejectQuote, submitForApproval } from './approval.service.js';
import { draftFromConversation } from './drafting/scripted-drafter.js';
import type { DocumentOfferSender } from './ports.js';
import { toQueueEntry, toQuote, ZDiff, ZQueueEntry, ZQuote, ZQuoteContent } from './quote.schemas.js';
import { QUOTE_STATUSES } from './quote-state.js';
import {
  createQuote,
  editQuote,
  getQuote,
  getVersionDiff,
  pageOfQuotes,
  type QuoteDetail,
} from './quotes.service.js';
import { sendQuote, versionPdf } from './sending.service.js';

const ZId = z.strictObject({ id: z.uuid() });
const ZVersion = z.number().int().min(1).max(100_000);
const read = { permission: 'quotes.read', apiKeyScope: 'quotes:read' } as const;
const write = { permission: 'quotes.write', apiKeyScope: 'quotes:write' } as const;
const approve = { permission: 'quotes.approve', apiKeyScope: 'quotes:approve' } as const;
const errors = errorResponses(400, 401, 403, 404, 409, 422);

/** Quotes: drafting, versions, approval, sending; the customer's side is in acceptance/. */
export const quotesRoutes: FastifyPluginAsyncZod<{
  db: Db;
  config: Config;
  /** Delivers a sent quote in its conversation (WhatsApp's document + buttons); none: link only. */
  offers?: DocumentOfferSender;
}> = async (app, { db, config, offers }) => {
  const linkOptions = {
    secretKey: config.secretKey,
    publicUrl: config.http.publicUrl,
    previousSecretKeys: config.previousSecretKeys,
  };

  app.get(
    '/api/v1/quotes',
    {
      config: { access: read },
      schema: {
        tags: ['quotes'],
        summary: 'Quotes, newest first (keyset cursor), with their current status and total',
        querystring: z.strictObject({
          cursor: ZCursor.optional(),
          limit: ZPageLimit,
          conversationId: z.uuid().optional(),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.uuid(),
                number: z.string(),
                status: z.enum(QUOTE_STATUSES),
                currentVersion: z.number().int(),
                totalMinor: z.number().int(),
                currency: z.string(),
                contactId: z.uuid().nullable(),
                conversationId: z.uuid().nullable(),
                createdAt: z.iso.datetime(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, ...options } = request.query;
      const page = await pageOfQuotes(db, tenantId, { ...options, after: cursor });
      return pageBody(page, (row) => ({
        id: row.id,
        number: row.number,
        status: row.status,
        currentVersion: row.currentVersion,
        totalMinor: Number(row.totalMinor),
        currency: row.currency,
        contactId: row.contactId,
        conversationId: row.conversationId,
        createdAt: row.createdAt.toISOString(),
      }));
    },
  );

  app.post(
    '/api/v1/quotes',
    {
      config: { access: write },
      schema: {
        tags: ['quotes'],
        summary: 'Draft a quote from catalog items (numbered per workspace and year)',
        body: ZQuoteContent.extend({ conversationId: z.uuid().optional(), contactId: z.uuid().optional() }),
        response: { 201: ZQuote, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toQuote(await createQuote(db, tenantId, actor, request.body));
    },
  );

  app.post(
    '/api/v1/quotes/draft-from-conversation',
    {
      config: { access: write },
      schema: {
        tags: ['quotes'],
        summary:
          "Draft a quote from the customer's latest messages: quantities and catalog matches, catalog prices only",
        body: z.strictObject({ conversationId: z.uuid() }),
        response: { 201: ZQuote, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toQuote(await draftFromConversation(db, tenantId, actor, request.body.conversationId));
    },
  );

  app.get(
    '/api/v1/quotes/approvals',
    {
      config: { access: approve },
      schema: {
        tags: ['quotes'],
        summary:
          'Quotes awaiting approval, oldest first, with the conversation excerpt and the version difference',
        querystring: z.strictObject({
          cursor: ZCursor.optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          details: z.enum(['true', 'false']).default('true'),
        }),
        response: {
          200: ZPage(ZQueueEntry),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, limit, details } = request.query;
      const page = await approvalQueue(db, tenantId, { after: cursor, limit, details: details === 'true' });
      return pageBody(page, toQueueEntry);
    },
  );

  app.get(
    '/api/v1/quotes/:id',
    {
      config: { access: read },
      schema: {
        tags: ['quotes'],
        summary: 'A quote: its current (or the given) version, lines, totals and version list',
        params: ZId,
        querystring: z.strictObject({ version: z.coerce.number().int().min(1).max(100_000).optional() }),
        response: { 200: ZQuote, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toQuote(await getQuote(db, tenantId, request.params.id, request.query.version));
    },
  );

  app.put(
    '/api/v1/quotes/:id',
    {
      config: { access: write },
      schema: {
        tags: ['quotes'],
        summary:
          'Edit the current version: a draft in place; a version that left draft becomes a new draft version',
        params: ZId,
        body: ZQuoteContent.extend({ version: ZVersion }),
        response: { 200: ZQuote, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { version, ...content } = request.body;
      return toQuote(await editQuote(db, tenantId, actor, request.params.id, version, content));
    },
  );

  const step = (
    path: string,
    summary: string,
    access: typeof write | typeof approve,
    run: (
      tenantId: string,
      actor: ReturnType<typeof tenantActor>,
      id: string,
      version: number,
    ) => Promise<QuoteDetail>,
  ) =>
    app.post(
      `/api/v1/quotes/:id/${path}`,
      {
        config: { access },
        schema: {
          tags: ['quotes'],
          summary,
          params: ZId,
          body: z.strictObject({ version: ZVersion }),
          response: { 200: ZQuote, ...errors },
        },
      },
      async (request) => {
        const actor = tenantActor(request);
        return toQuote(await run(actor.tenantId, actor, request.params.id, request.body.version));
      },
    );
  step(
    'submit',
    'Send the draft to approval (or approve it at once under the auto-approval policy)',
    write,
    (t, a, id, v) => submitForApproval(db, t, a, id, v),
  );
  step(
    'approve',
    'Approve the version awaiting approval (409 if someone acted first)',
    approve,
    (t, a, id, v) => approveQuote(db, t, a, id, v),
  );

  app.post(
    '/api/v1/quotes/:id/reject',
    {
      config: { access: approve },
      schema: {
        tags: ['quotes'],
        summary: 'Send the version awaiting approval back to draft, with a reason',
        params: ZId,
        body: z.strictObject({ version: ZVersion, reason: ZLine(1000) }),
        response: { 200: ZQuote, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { version, reason } = request.body;
      return toQuote(await rejectQuote(db, tenantId, actor, request.params.id, version, reason));
    },
  );

  app.post(
    '/api/v1/quotes/:id/send',
    {
      config: { access: write },
      schema: {
        tags: ['quotes'],
        summary:
          "Mark the approved version sent: stores its PDF, delivers it in the quote's WhatsApp conversation (document + reply buttons, or the template outside the 24-hour window) and returns the customer's link and message text",
        params: ZId,
        body: z.strictObject({ version: ZVersion }),
        response: {
          200: z.object({
            link: z.string(),
            messageText: z.string(),
            pdfSha256: z.string(),
            delivery: z
              .object({ channel: z.literal('whatsapp'), via: z.enum(['session', 'template']) })
              .nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return sendQuote(db, tenantId, actor, linkOptions, request.params.id, request.body.version, offers);
    },
  );

  app.get(
    '/api/v1/quotes/:id/diff',
    {
      config: { access: read },
      schema: {
        tags: ['quotes'],
        summary: 'What changed between two versions (by default the current one and the one before)',
        params: ZId,
        querystring: z.strictObject({
          from: z.coerce.number().int().min(1).max(100_000).optional(),
          to: z.coerce.number().int().min(1).max(100_000).optional(),
        }),
        response: { 200: z.object({ diff: ZDiff.nullable() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { from, to } = request.query;
      return { diff: await getVersionDiff(db, tenantId, request.params.id, from, to) };
    },
  );

  app.get(
    '/api/v1/quotes/:id/pdf',
    {
      config: { access: read },
      schema: {
        tags: ['quotes'],
        summary: "A version's PDF: the stored one once sent, else a preview",
        params: ZId,
        querystring: z.strictObject({ version: z.coerce.number().int().min(1).max(100_000).optional() }),
        response: { 200: z.any().describe('application/pdf'), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const quote = await getQuote(db, tenantId, request.params.id, request.query.version);
      const pdf = await versionPdf(db, tenantId, linkOptions, quote.quote.id, quote.version.version);
      return reply
        .header('content-type', 'application/pdf')
        .header(
          'content-disposition',
          `inline; filename="quote-${quote.quote.number}-v${quote.version.version}.pdf"`,
        )
        .header('cache-control', 'private, no-store')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(pdf);
    },
  );
};
