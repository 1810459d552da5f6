import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import { constantTimeEqual } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/app-error.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { requestContext } from '../../platform/http/request-context.js';
import { ZLine, ZText } from '../../platform/http/text-fields.js';
import {
  acceptPublicQuote,
  declinePublicQuote,
  type PublicLinkOptions,
  type PublicQuote,
  publicQuotePdf,
  viewPublicQuote,
} from './acceptance.service.js';
import { escapeHtml, PAGE_CSP, renderQuotePage, thanksMessage } from './acceptance-page.js';
import { formTokenFor } from './quote-link.js';

/** The stored PDF, opened on its own as a sandboxed document that may run and load nothing. */
function sendPdf(reply: FastifyReply, pdf: Buffer) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', 'inline; filename="quote.pdf"')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .send(pdf);
}

const ZToken = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not a quote link') });
const FORM_BODY_LIMIT = 8192;
const errors = errorResponses(400, 404, 409, 413, 415, 429);

function toPublicJson(view: PublicQuote) {
  const { document, introHtml, messageText: _ } = view.rendered;
  return {
    status: view.status,
    open: view.open,
    number: document.data.quote.number,
    version: Number(document.data.quote.version),
    businessName: document.data.business.name,
    contactName: document.data.contact.name,
    validUntil: document.data.quote.valid_until,
    introHtml,
    lines: document.data.lines.map((line, i) => ({ ...line, tax_rate: document.lineTaxRates[i] ?? '' })),
    taxes: document.data.taxes,
    subtotal: document.data.quote.subtotal,
    discount: document.hasQuoteDiscount ? document.data.quote.discount : null,
    total: document.data.quote.total,
    changesSincePreviousVersion: view.diff?.lines.map((l) => ({ change: l.change, name: l.name })) ?? [],
    decision: view.decision
      ? { decision: view.decision.decision, decidedAt: view.decision.decidedAt.toISOString() }
      : null,
  };
}

/**
 * The customer's side of a quote, reached only through its signed link: a server-rendered page at
 * /q/:token (no script, its own strict CSP, forms protected by a link-bound token and the Origin), and
 * the same actions as JSON under /api/v1/public/quotes/:token.
 */
export const acceptanceRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const options = {
    secretKeys: [config.secretKey, ...config.previousSecretKeys],
    publicUrl: config.http.publicUrl,
  };
  const publicOrigin = new URL(config.http.publicUrl).origin;

  await app.register(pageRoutes, { db, config, options, publicOrigin });

  const ZPublicQuote = z
    .object({
      status: z.string(),
      open: z.boolean(),
      number: z.string(),
      version: z.number().int(),
      businessName: z.string(),
      contactName: z.string(),
      validUntil: z.string(),
      introHtml: z.string(),
      lines: z.array(z.record(z.string(), z.string())),
      taxes: z.array(z.object({ rate: z.string(), base: z.string(), tax: z.string() })),
      subtotal: z.string(),
      discount: z.string().nullable(),
      total: z.string(),
      changesSincePreviousVersion: z.array(z.object({ change: z.string(), name: z.string() })),
      decision: z.object({ decision: z.string(), decidedAt: z.iso.datetime() }).nullable(),
    })
    .meta({ id: 'PublicQuote' });

  app.get(
    '/api/v1/public/quotes/:token',
    {
      config: { access: 'public' },
      schema: {
        tags: ['public'],
        summary: 'The quote behind a customer link (marks a sent quote viewed)',
        params: ZToken,
        response: { 200: ZPublicQuote, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return toPublicJson(await viewPublicQuote(db, options, request.params.token, requestContext(request)));
    },
  );

  app.post(
    '/api/v1/public/quotes/:token/accept',
    {
      config: { access: 'public', rateLimit: 'public-form' },
      schema: {
        tags: ['public'],
        summary: "Accept the link's exact version, signing with the customer's name",
        params: ZToken,
        body: z.strictObject({ name: ZLine(200) }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await acceptPublicQuote(db, options, request.params.token, request.body, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/public/quotes/:token/decline',
    {
      config: { access: 'public', rateLimit: 'public-form' },
      schema: {
        tags: ['public'],
        summary: "Decline the link's version, with an optional reason",
        params: ZToken,
        body: z.strictObject({ reason: ZText(1000).optional() }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await declinePublicQuote(db, options, request.params.token, request.body, requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/public/quotes/:token/pdf',
    {
      config: { access: 'public' },
      schema: {
        tags: ['public'],
        summary: 'The PDF of the sent version (the bytes whose SHA-256 an acceptance records)',
        params: ZToken,
        response: { 200: z.any().describe('application/pdf'), ...errors },
      },
    },
    async (request, reply) => sendPdf(reply, await publicQuotePdf(db, options, request.params.token)),
  );
};

/** The server-rendered page and its form posts, in their own context (the only one parsing forms). */
const pageRoutes: FastifyPluginAsyncZod<{
  db: Db;
  config: Config;
  options: PublicLinkOptions;
  publicOrigin: string;
}> = async (app, { db, config, options, publicOrigin }) => {
  // HTML forms post urlencoded bodies; only the page's routes (this child context) accept them.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => {
      const params = new URLSearchParams(body as string);
      const fields: Record<string, string> = {};
      for (const [key, value] of params) {
        if (key in fields || !['csrf', 'name', 'reason'].includes(key)) {
          done(new AppError('bad_request', 'Unexpected or repeated form field'), undefined);
          return;
        }
        fields[key] = value;
      }
      done(null, fields);
    },
  );

  const sendPage = (reply: FastifyReply, status: number, html: string) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('cache-control', 'no-store')
      // The app-wide `no-referrer` makes browsers send `Origin: null` with the page's own form posts,
      // which checkForm refuses; `same-origin` sends the real origin there and nothing to other sites.
      .header('referrer-policy', 'same-origin')
      .send(html);

  const errorPage = (reply: FastifyReply, error: unknown) => {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return sendPage(
      reply,
      error.status,
      `<!doctype html><html><head><meta charset="utf-8"><title>${error.status}</title></head><body><p>${escapeHtml(error.message)}</p></body></html>`,
    );
  };

  const showPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    status: number,
    message?: string,
  ) => {
    const view = await viewPublicQuote(db, options, token, requestContext(request));
    return sendPage(
      reply,
      status,
      renderQuotePage(view, { token, formToken: formTokenFor(config.secretKey, token), message }),
    );
  };

  const checkForm = (request: FastifyRequest, token: string, csrf: string | undefined) => {
    const origin = request.headers.origin;
    const originOk = origin === undefined || origin === publicOrigin;
    if (!originOk || !csrf || !constantTimeEqual(csrf, formTokenFor(config.secretKey, token))) {
      throw new AppError('forbidden', 'This form has expired; reload the page and try again');
    }
  };

  app.get(
    '/q/:token',
    {
      config: { access: 'public', rateLimit: 'api' },
      schema: { hide: true, params: ZToken },
    },
    async (request, reply) => {
      try {
        return await showPage(request, reply, request.params.token, 200);
      } catch (error) {
        return errorPage(reply, error);
      }
    },
  );

  const ZForm = z.object({
    csrf: z.string().max(100).optional(),
    name: z.string().max(400).optional(),
    reason: z.string().max(2000).optional(),
  });
  for (const decision of ['accept', 'decline'] as const) {
    app.post(
      `/q/:token/${decision}`,
      {
        config: { access: 'public', rateLimit: 'public-form' },
        bodyLimit: FORM_BODY_LIMIT,
        schema: { hide: true, params: ZToken, body: ZForm },
      },
      async (request, reply) => {
        const { token } = request.params;
        try {
          checkForm(request, token, request.body.csrf);
          const context = requestContext(request);
          if (decision === 'accept') {
            const name = ZLine(200).safeParse(request.body.name ?? '');
            if (!name.success)
              throw new AppError('validation_failed', 'Please type your full name to accept');
            await acceptPublicQuote(db, options, token, { name: name.data }, context);
          } else {
            const reason = request.body.reason?.trim()
              ? ZText(1000).safeParse(request.body.reason)
              : undefined;
            if (reason && !reason.success)
              throw new AppError('validation_failed', 'The reason cannot be read');
            await declinePublicQuote(db, options, token, { reason: reason?.data }, context);
          }
          const view = await viewPublicQuote(db, options, token, context);
          return sendPage(
            reply,
            200,
            renderQuotePage(view, {
              token,
              formToken: formTokenFor(config.secretKey, token),
              message: thanksMessage(view.rendered.document.locale),
            }),
          );
        } catch (error) {
          if (
            error instanceof AppError &&
            (error.status === 400 || error.status === 409 || error.status === 403)
          ) {
            try {
              return await showPage(request, reply, token, error.status, error.message);
            } catch (inner) {
              return errorPage(reply, inner);
            }
          }
          return errorPage(reply, error);
        }
      },
    );
  }

  app.get(
    '/q/:token/pdf',
    { config: { access: 'public', rateLimit: 'api' }, schema: { hide: true, params: ZToken } },
    async (request, reply) => {
      try {
        return await sendPdf(reply, await publicQuotePdf(db, options, request.params.token));
      } catch (error) {
        return errorPage(reply, error);
      }
    },
  );
};
