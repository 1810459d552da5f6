import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { ZErrorEnvelope } from '../platform/http/error-envelope.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import type { Altcha } from './altcha.js';
import { type CallbackLimits, refusal, requestCallback } from './callback-requests.service.js';
import { widgetByKey } from './callbacks.repository.js';
import { countryPicker } from './phone-policy.js';
import { findSettings } from './widgets.service.js';
import { CALLBACK_LANGUAGES, type CallbackLanguage } from './widgets.table.js';

const ZKey = z.object({ key: z.string().min(1).max(80) });
const ZLanguage = z.enum(CALLBACK_LANGUAGES);

/** What the widget posts. Strict: a field the widget does not send (a number to dial, say) is refused. */
const ZCallbackRequest = z.strictObject({
  phone: z.string().min(1).max(40),
  name: z
    .string()
    .trim()
    .max(100)
    .regex(/^[^\p{Cc}\u200B-\u200F\u202A-\u202E\u2066-\u2069<>]*$/u)
    .optional()
    .transform((value) => value || undefined),
  language: ZLanguage.optional(),
  timeZone: z.string().max(64).optional(),
  altcha: z.string().min(1).max(4096),
  /** The honeypot: hidden from people, so only bots fill it. */
  website: z.string().max(200).optional(),
});

const errors = {
  400: ZErrorEnvelope,
  403: ZErrorEnvelope,
  404: ZErrorEnvelope,
  413: ZErrorEnvelope,
  415: ZErrorEnvelope,
  422: ZErrorEnvelope,
  429: ZErrorEnvelope,
  503: ZErrorEnvelope,
};

/** The visitor's language: the one the widget names, else the browser's, else English. */
export function visitorLanguage(requested: unknown, acceptLanguage: string | undefined): CallbackLanguage {
  const named = ZLanguage.safeParse(requested);
  if (named.success) return named.data;
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 10)) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    const match = ZLanguage.safeParse(tag);
    if (match.success) return match.data;
  }
  return 'en';
}

export interface PublicWidgetRoutesOptions {
  db: Db;
  altcha: Altcha;
  limits: CallbackLimits;
  metrics: Metrics;
}

/**
 * The widget's public API. CORS is per widget: only the origins its administrator listed get the headers
 * a browser needs (no credentials: nothing here uses cookies); a request from any other origin is refused.
 */
export const publicWidgetRoutes: FastifyPluginAsyncZod<PublicWidgetRoutesOptions> = async (
  app,
  { db, altcha, limits, metrics },
) => {
  const origins = new Map<string, { expiresAt: number; origins: Promise<readonly string[]> }>();
  /** A widget's allowed origins, cached for two seconds (preflights and posts come in pairs). */
  const allowedOrigins = (key: string): Promise<readonly string[]> => {
    const now = Date.now();
    const cached = origins.get(key);
    if (cached && cached.expiresAt > now) return cached.origins;
    const loading = (async () => {
      const found = await widgetByKey(db, key);
      if (!found) return [];
      return withTenant(db, found.tenantId, async (trx) => {
        const widget = await trx
          .selectFrom('callbackWidgets')
          .select('allowedOrigins')
          .where('id', '=', found.widgetId)
          .executeTakeFirst();
        return widget?.allowedOrigins ?? [];
      });
    })();
    if (origins.size > 10_000) origins.clear();
    origins.set(key, { expiresAt: now + 2_000, origins: loading });
    loading.catch(() => origins.delete(key));
    return loading;
  };

  const corsFor = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    const key = (request.params as { key?: string }).key;
    reply.header('vary', 'Origin');
    if (!origin || !key) return false;
    if (!(await allowedOrigins(key)).includes(origin)) return false;
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-expose-headers', 'x-request-id, retry-after');
    return true;
  };
  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('access-control-allow-origin')) await corsFor(request, reply).catch(() => false);
    return payload;
  });

  for (const path of [
    '/api/v1/public/widgets/:key/callbacks',
    '/api/v1/public/widgets/:key/challenge',
    '/api/v1/public/widgets/:key/config',
  ]) {
    app.options(
      path,
      {
        config: { access: 'public', rateLimit: 'public-form' },
        schema: {
          tags: ['widgets'],
          summary: 'CORS preflight (allowed origins only)',
          params: ZKey,
          hide: true,
        },
      },
      async (request, reply) => {
        if (!(await corsFor(request, reply))) return reply.code(403).send();
        reply.header('access-control-allow-methods', 'GET, POST');
        reply.header('access-control-allow-headers', 'content-type');
        reply.header('access-control-max-age', '600');
        return reply.code(204).send();
      },
    );
  }

  app.get(
    '/api/v1/public/widgets/:key/config',
    {
      config: { access: 'public', rateLimit: 'public-form' },
      schema: {
        tags: ['widgets'],
        summary: 'What the widget shows: texts, colours and the countries it may call (with calling codes)',
        params: ZKey,
        response: {
          200: z.object({
            defaultCountry: z.string(),
            countries: z.array(z.object({ code: z.string(), callingCode: z.string() })),
            texts: z.record(z.string(), z.unknown()),
            colors: z.record(z.string(), z.string()),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (!(await corsFor(request, reply)))
        throw new AppError('forbidden', 'Origin not allowed for this widget');
      const found = await widgetByKey(db, request.params.key);
      if (!found) throw new AppError('not_found', 'Unknown widget');
      const { widget, settings } = await withTenant(db, found.tenantId, async (trx) => ({
        widget: await trx
          .selectFrom('callbackWidgets')
          .select(['defaultCountry', 'texts', 'colors'])
          .where('id', '=', found.widgetId)
          .executeTakeFirstOrThrow(),
        settings: await findSettings(trx),
      }));
      const countries = countryPicker(settings.allowedCountries);
      reply.header('cache-control', 'public, max-age=60');
      return {
        defaultCountry: widget.defaultCountry,
        countries,
        texts: widget.texts,
        colors: { ...widget.colors },
      };
    },
  );

  app.get(
    '/api/v1/public/widgets/:key/challenge',
    {
      config: { access: 'public', rateLimit: 'public-form' },
      schema: {
        tags: ['widgets'],
        summary: 'A signed, expiring ALTCHA proof-of-work challenge for this widget',
        params: ZKey,
        response: {
          200: z.object({ parameters: z.record(z.string(), z.unknown()), signature: z.string() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (!(await corsFor(request, reply)))
        throw new AppError('forbidden', 'Origin not allowed for this widget');
      reply.header('cache-control', 'no-store');
      const challenge = await altcha.challenge(request.params.key);
      return { parameters: { ...challenge.parameters }, signature: challenge.signature ?? '' };
    },
  );

  app.post(
    '/api/v1/public/widgets/:key/callbacks',
    {
      config: { access: 'public', rateLimit: 'public-form' },
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['widgets'],
        summary: 'A visitor asks to be called back (ALTCHA, toll-fraud rules and limits apply)',
        description:
          'Only the visitor’s own number is taken from the request: the numbers called for the business and the caller id come from the widget’s configuration.',
        params: ZKey,
        body: z.record(z.string(), z.unknown()),
        response: {
          202: z.object({
            status: z.enum(['calling', 'scheduled']),
            message: z.string(),
            scheduledFor: z.iso.datetime().nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as Record<string, unknown>;
      const language = visitorLanguage(body.language, request.headers['accept-language']);
      const parsed = ZCallbackRequest.safeParse(body);
      if (!parsed.success) {
        metrics.callbackRefusals.inc({ reason: 'invalid_request' });
        const phoneBad = parsed.error.issues.some((issue) => issue.path[0] === 'phone');
        throw refusal(phoneBad ? 'invalid_phone' : 'invalid_request', language);
      }
      const result = await requestCallback(
        { db, altcha, limits, metrics },
        {
          widgetKey: request.params.key,
          phone: parsed.data.phone,
          name: parsed.data.name,
          language,
          timeZone: parsed.data.timeZone,
          altcha: parsed.data.altcha,
          website: parsed.data.website,
          origin: request.headers.origin,
          clientIp: request.ip,
          requestId: request.id,
        },
      );
      reply.code(202).header('cache-control', 'no-store');
      return result;
    },
  );
};
