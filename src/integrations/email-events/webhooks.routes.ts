import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { AppError, type ErrorDetail } from '../../platform/http/app-error.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { parseJsonBody } from '../../platform/http/json-body.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import { type ApplyHooks, applyEmailEvent } from './apply.js';
import { scheduleEmailEventsCheck } from './apply-events.task.js';
import { type IncomingEmailEvent, storeEmailEvent } from './events.repository.js';
import { toIncomingLemlistEvent, ZLemlistActivity } from './lemlist-events.js';
import { toIncomingPostmarkEvent, ZPostmarkEvent } from './postmark-events.js';
import { emailEventsSecretBox, findEmailEventSettings, sameSecret } from './settings.service.js';

/** One event is a few KB (Postmark's bounce carries a short dump); far below the API's default. */
const BODY_LIMIT = 128 * 1024;
const MAX_DEPTH = 10;

const ZAccepted = z.object({ received: z.literal(true), duplicate: z.boolean() });
const errors = errorResponses(400, 401, 404, 413, 415, 429, 503);

function invalid(issues: readonly z.core.$ZodIssue[]): AppError {
  const details: ErrorDetail[] = issues.slice(0, 20).map((issue) => ({
    path: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  return new AppError('validation_failed', 'Invalid event', { details });
}

/** `Authorization: Basic` user and password, or undefined when absent or malformed. */
function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]{1,400})$/.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface EmailEventWebhookOptions {
  db: Db;
  config: Config;
  metrics: Metrics;
  hooks?: ApplyHooks;
}

/**
 * Postmark's and Lemlist's webhooks. Neither provider signs: Postmark authenticates with Basic-auth
 * credentials in the URL, Lemlist with a secret path segment, both per workspace and compared in
 * constant time before the body is parsed. A verified event is stored (unique per provider key) and
 * applied in the same transaction when what it names is known, otherwise kept for the apply job; the
 * 2xx is sent only after the commit.
 */
export const emailEventWebhookRoutes: FastifyPluginAsyncZod<EmailEventWebhookOptions> = async (
  app,
  { db, config, metrics, hooks = {} },
) => {
  const box = emailEventsSecretBox(config);

  // Scoped to this plugin: the credentials are checked before the bytes are parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_r, body, done) => done(null, body),
  );

  const refuse = (request: FastifyRequest, provider: string): never => {
    metrics.badWebhookSignatures.inc({ provider });
    request.log.warn({ provider }, 'e-mail event refused: credentials');
    throw new AppError('unauthenticated', 'Invalid credentials');
  };

  const parse = <T>(request: FastifyRequest, schema: z.ZodType<T>): T => {
    const body = request.body;
    if (!Buffer.isBuffer(body)) throw new AppError('bad_request', 'A JSON body is required');
    const parsed = schema.safeParse(parseJsonBody(body, MAX_DEPTH));
    if (!parsed.success) throw invalid(parsed.error.issues);
    return parsed.data;
  };

  /** Stores and, when possible, applies the event; a failure to store is a 503 (the provider retries). */
  const store = async (
    request: FastifyRequest,
    tenantId: string,
    trx: TenantTransaction,
    event: IncomingEmailEvent,
  ): Promise<{ received: true; duplicate: boolean }> => {
    const stored = await storeEmailEvent(trx, event);
    if (!stored) return { received: true, duplicate: true };
    const applied = await applyEmailEvent(trx, stored, hooks);
    if (!applied) await scheduleEmailEventsCheck(trx, tenantId, request.id);
    request.log.info({ provider: event.provider, type: event.eventType, applied }, 'e-mail event stored');
    return { received: true, duplicate: false };
  };

  const durably = async <T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (cause) {
      if (cause instanceof AppError) throw cause;
      request.log.error({ err: cause }, 'e-mail event not stored');
      throw new AppError('service_unavailable', 'Not stored; retry later', { cause });
    }
  };

  app.post(
    '/webhooks/postmark/:tenantId',
    {
      bodyLimit: BODY_LIMIT,
      config: { access: 'public', rateLimit: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary:
          'Postmark outbound events (Delivery, Bounce, SpamComplaint, Open, Click, SubscriptionChange), Basic auth',
        params: z.object({ tenantId: z.uuid() }),
        response: { 200: ZAccepted, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = request.params;
      return durably(request, () =>
        withTenant(db, tenantId, async (trx) => {
          const settings = await findEmailEventSettings(trx);
          if (!settings) throw new AppError('not_found', 'Unknown workspace');
          const presented = basicCredentials(request.headers.authorization);
          if (
            !presented ||
            !sameSecret(presented.user, settings.postmarkUser) ||
            !sameSecret(presented.password, box.open(settings.postmarkSecretSealed))
          ) {
            refuse(request, 'postmark');
          }
          const incoming = toIncomingPostmarkEvent(parse(request, ZPostmarkEvent));
          if ('invalidAddress' in incoming) {
            throw new AppError('validation_failed', 'Invalid event', {
              details: [{ path: 'body.Recipient', message: 'must be an e-mail address' }],
            });
          }
          return store(request, tenantId, trx, incoming);
        }),
      );
    },
  );

  app.post(
    '/webhooks/lemlist/:tenantId/:secret',
    {
      bodyLimit: BODY_LIMIT,
      config: { access: 'public', rateLimit: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary:
          'Lemlist activities (emailsSent, Opened, Clicked, Replied, Bounced, Unsubscribed); secret URL',
        params: z.object({ tenantId: z.uuid(), secret: z.string().min(1).max(200) }),
        response: { 200: ZAccepted, ...errors },
      },
    },
    async (request) => {
      const { tenantId, secret } = request.params;
      return durably(request, () =>
        withTenant(db, tenantId, async (trx) => {
          const settings = await findEmailEventSettings(trx);
          if (!settings) throw new AppError('not_found', 'Unknown workspace');
          if (!sameSecret(secret, box.open(settings.lemlistSecretSealed))) refuse(request, 'lemlist');
          const incoming = toIncomingLemlistEvent(parse(request, ZLemlistActivity));
          if ('ignored' in incoming) return { received: true as const, duplicate: false };
          if ('invalid' in incoming) {
            throw new AppError('validation_failed', 'Invalid event', {
              details: [{ path: 'body', message: incoming.invalid }],
            });
          }
          return store(request, tenantId, trx, incoming);
        }),
      );
    },
  );
};
