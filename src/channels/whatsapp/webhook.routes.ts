import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { constantTimeEqual, sha256 } from '../../platform/crypto/tokens.js';
import { AppError } from '../../platform/http/app-error.js';
import { ipLimiterKey } from '../../platform/http/client-ip.js';
import { ZErrorEnvelope } from '../../platform/http/error-envelope.js';
import { parseJsonBody } from '../../platform/http/json-body.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import type { IngestBatcher } from './ingest-batcher.js';
import type { WebhookChannel, WebhookChannels } from './webhook-channels.js';
import { extractDelivery, NotAWhatsappDelivery } from './webhook-payload.js';
import { signatureMatches } from './webhook-signature.js';

/** Meta's payloads are at most 3 MB; a little room for envelope growth. */
const BODY_LIMIT = 3 * 1024 * 1024 + 64 * 1024;
const MAX_DEPTH = 32;
const ZParams = z.object({ channelId: z.string().max(64) });

export interface WhatsappWebhookOptions {
  channels: WebhookChannels;
  batcher: IngestBatcher;
  metrics: Metrics;
  /** Requests per client IP and minute that may name no channel before the IP gets 429s. */
  unknownPerMinute: number;
}

const notFound = () => new AppError('not_found', 'Unknown webhook');

/**
 * Meta's webhook for one channel. Public by necessity; authenticated by the channel's verify token (GET)
 * and by the HMAC of the raw body under its app secret (POST), checked before the body is parsed. A 200
 * means the delivery is committed: its raw bytes, a receipt per new message, its statuses and their jobs.
 */
export const whatsappWebhookRoutes: FastifyPluginAsyncZod<WhatsappWebhookOptions> = async (
  app,
  { channels, batcher, metrics, unknownPerMinute },
) => {
  // In process memory, like the webhook tier: it must cost no query, or the flood it stops would be one.
  const misses = new RateLimiterMemory({
    keyPrefix: 'webhook-unknown',
    points: unknownPerMinute,
    duration: 60,
  });
  const tooMany = (request: FastifyRequest, reply: FastifyReply, result: RateLimiterRes) => {
    reply.header('retry-after', String(Math.max(1, Math.ceil(result.msBeforeNext / 1000))));
    metrics.rateLimited.inc({ tier: 'webhook' });
    request.log.warn({ route: request.routeOptions.url }, 'too many webhook requests for unknown channels');
    return new AppError('rate_limited', 'Too many requests; retry later');
  };

  /**
   * The channel a webhook names. A known channel is the hot path: one map lookup, no limiter. Ids of no
   * channel are counted per client IP; an IP over its budget is refused before any lookup, except for
   * channels this process has served (so a Meta address that also hits a deleted channel keeps working).
   */
  const channelOf = async (
    channelId: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<WebhookChannel> => {
    const ipKey = ipLimiterKey(request.ip);
    if (!channels.isKnown(channelId)) {
      const spent = await misses.get(ipKey);
      if (spent && spent.consumedPoints >= unknownPerMinute) throw tooMany(request, reply, spent);
    }
    const channel = await channels.find(channelId);
    if (channel) return channel;
    // A disabled channel is no probe: Meta may keep delivering to it, and must not be refused for others.
    if (!channels.isUnknown(channelId)) throw notFound();
    try {
      await misses.consume(ipKey);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw tooMany(request, reply, error);
      throw error;
    }
    throw notFound();
  };

  // Scoped to this plugin: the signature is over the exact bytes, so the body stays a Buffer until verified.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_r, body, done) => done(null, body),
  );

  app.get(
    '/webhooks/whatsapp/:channelId',
    {
      config: { access: 'public', rateLimit: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary: 'Meta’s subscription check: echoes hub.challenge for the channel’s verify token',
        params: ZParams,
        querystring: z.object({
          'hub.mode': z.string().max(32).optional(),
          'hub.verify_token': z.string().max(1024).optional(),
          'hub.challenge': z.string().max(1024).optional(),
        }),
        response: { 200: z.string(), 403: ZErrorEnvelope, 404: ZErrorEnvelope, 429: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      const channel = await channelOf(request.params.channelId, request, reply);
      const { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': challenge } = request.query;
      const tokenMatches = token !== undefined && constantTimeEqual(sha256(token), channel.verifyTokenHash);
      if (mode !== 'subscribe' || !tokenMatches || challenge === undefined) {
        throw new AppError('forbidden', 'Verification refused');
      }
      // text/plain: the challenge is echoed verbatim and must never be interpreted as HTML.
      return reply.type('text/plain; charset=utf-8').send(challenge);
    },
  );

  app.post(
    '/webhooks/whatsapp/:channelId',
    {
      bodyLimit: BODY_LIMIT,
      config: { access: 'public', rateLimit: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary: 'Meta’s event delivery (signed with X-Hub-Signature-256)',
        params: ZParams,
        response: {
          200: z.object({ received: z.literal(true) }),
          400: ZErrorEnvelope,
          401: ZErrorEnvelope,
          404: ZErrorEnvelope,
          413: ZErrorEnvelope,
          415: ZErrorEnvelope,
          429: ZErrorEnvelope,
          503: ZErrorEnvelope,
        },
      },
    },
    async (request, reply) => {
      const channel = await channelOf(request.params.channelId, request, reply);
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new AppError('bad_request', 'A JSON body is required');
      if (!signatureMatches(body, request.headers['x-hub-signature-256'], channel.appSecrets)) {
        metrics.badWebhookSignatures.inc({ provider: 'whatsapp' });
        throw new AppError('unauthenticated', 'Invalid signature');
      }
      let extracted: ReturnType<typeof extractDelivery>;
      try {
        extracted = extractDelivery(parseJsonBody(body, MAX_DEPTH), channel.phoneNumberId);
      } catch (error) {
        if (error instanceof NotAWhatsappDelivery) throw new AppError('bad_request', error.message);
        throw error;
      }
      if (extracted.skipped > 0) {
        metrics.webhookItemsSkipped.inc(extracted.skipped);
        request.log.warn({ channelId: channel.id, skipped: extracted.skipped }, 'webhook items not storable');
      }
      try {
        await batcher.submit(channel.tenantId, {
          channelId: channel.id,
          requestId: request.id,
          body,
          extracted,
        });
      } catch (cause) {
        metrics.webhookDeliveries.inc({ outcome: 'unavailable' });
        request.log.error({ err: cause }, 'webhook not stored');
        throw new AppError('service_unavailable', 'Not stored; retry later', { cause });
      }
      metrics.webhookDeliveries.inc({ outcome: 'stored' });
      return { received: true as const };
    },
  );
};
