import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sampleTemplateFields } from '../contacts/custom-fields/custom-fields.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { changeLogo, changeQuoteSettings, getQuoteSettings, MAX_LOGO_BYTES } from './quote-settings.js';
import { TEMPLATE_KINDS, TEMPLATE_LOCALES } from './templates/default-templates.js';
import { renderTemplate, toPlainText } from './templates/quote-templates.js';
import { sampleTemplateData } from './templates/template-data.js';

const ZSettings = z
  .object({
    currency: z.string(),
    locale: z.enum(TEMPLATE_LOCALES),
    approvalMode: z.enum(['always', 'auto_below']),
    autoApproveBelowMinor: z.number().int().nullable(),
    drafterCannotApprove: z.boolean(),
    reminderAfterMinutes: z.number().int(),
    validityDays: z.number().int(),
    messageTemplate: z.string().nullable(),
    documentTemplate: z.string().nullable(),
    whatsappTemplateName: z.string().nullable(),
    whatsappTemplateLanguage: z.string().nullable(),
    hasLogo: z.boolean(),
  })
  .meta({ id: 'QuoteSettings' });

const ZTemplateSource = z.string().min(1).max(20_000).nullable();
const ZChanges = z
  .strictObject({
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
    locale: z.enum(TEMPLATE_LOCALES),
    approvalMode: z.enum(['always', 'auto_below']),
    autoApproveBelowMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
    drafterCannotApprove: z.boolean(),
    reminderAfterMinutes: z.number().int().min(5).max(10_080),
    validityDays: z.number().int().min(1).max(365),
    messageTemplate: ZTemplateSource,
    documentTemplate: ZTemplateSource,
    /** Meta's template for sending outside the 24-hour window (DOCUMENT header, {{1}} = the link). */
    whatsappTemplateName: z
      .string()
      .regex(/^[a-z0-9_]{1,512}$/, "a Meta template name: lower-case letters, digits and '_'")
      .nullable(),
    whatsappTemplateLanguage: z
      .string()
      .regex(/^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?$/, 'a Meta language code such as en_US or pt_BR')
      .nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

const read = { permission: 'quotes.read', apiKeyScope: 'quotes:read' } as const;
const manage = { permission: 'quotes.settings', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 413, 415);

/** The workspace's quoting settings: currency, language, approval policy, templates and logo. */
export const quoteSettingsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/quotes/settings',
    {
      config: { access: read },
      schema: { tags: ['quotes'], summary: 'Quoting settings', response: { 200: ZSettings, ...errors } },
    },
    async (request) => getQuoteSettings(db, tenantActor(request).tenantId),
  );

  app.patch(
    '/api/v1/quotes/settings',
    {
      config: { access: manage },
      schema: {
        tags: ['quotes'],
        summary: 'Change quoting settings; templates are validated (line and column named) before saving',
        body: ZChanges,
        response: { 200: ZSettings, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return changeQuoteSettings(db, tenantId, actor, request.body);
    },
  );

  app.put(
    '/api/v1/quotes/settings/logo',
    {
      config: { access: manage },
      schema: {
        tags: ['quotes'],
        summary: 'Set (base64 PNG or JPEG, at most 256 KiB) or remove (null) the logo printed on quotes',
        body: z.strictObject({
          imageBase64: z
            .string()
            .max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 4)
            .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64')
            .nullable(),
        }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { imageBase64 } = request.body;
      if (imageBase64 === '') throw new AppError('validation_failed', 'The image is empty');
      await changeLogo(db, tenantId, actor, imageBase64 === null ? null : Buffer.from(imageBase64, 'base64'));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/quotes/templates/preview',
    {
      config: { access: manage },
      schema: {
        tags: ['quotes'],
        summary: "Render a template (or the locale's default) with sample data: HTML-safe and plain text",
        body: z.strictObject({
          kind: z.enum(TEMPLATE_KINDS),
          locale: z.enum(TEMPLATE_LOCALES).default('en'),
          source: z.string().min(1).max(20_000).optional(),
        }),
        response: { 200: z.object({ html: z.string(), text: z.string() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { kind, locale, source } = request.body;
      const fields = await withTenant(db, tenantId, sampleTemplateFields);
      const html = await renderTemplate(kind, source ?? null, locale, sampleTemplateData(fields));
      return { html, text: toPlainText(html) };
    },
  );
};
