import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { ZErrorEnvelope } from '../../platform/http/error-envelope.js';
import { receiveWebhook } from './inbound.service.js';

const BODY_LIMIT = 1024 * 1024;

/** HubSpot's webhook deliveries for one workspace (signature v3; stored before the 200). */
export const hubspotWebhookRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  // Scoped to this plugin: the signature is over the exact bytes, so the body stays a Buffer until verified.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_r, body, done) => done(null, body),
  );

  app.post(
    '/webhooks/hubspot/:tenantId',
    {
      bodyLimit: BODY_LIMIT,
      config: { access: 'public', rateLimit: 'webhook' },
      schema: {
        tags: ['webhooks'],
        summary: 'HubSpot’s webhook deliveries (X-HubSpot-Signature-v3)',
        params: z.object({ tenantId: z.uuid() }),
        response: {
          200: z.object({ received: z.number().int() }),
          400: ZErrorEnvelope,
          401: ZErrorEnvelope,
          404: ZErrorEnvelope,
          413: ZErrorEnvelope,
          415: ZErrorEnvelope,
          429: ZErrorEnvelope,
        },
      },
    },
    async (request) => {
      const header = (name: string) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const outcome = await receiveWebhook(db, config, {
        tenantId: request.params.tenantId,
        method: request.method,
        uri: `${config.http.publicUrl}${request.url}`,
        body,
        signature: header('x-hubspot-signature-v3'),
        timestamp: header('x-hubspot-request-timestamp'),
      });
      return { received: outcome.stored };
    },
  );
};
