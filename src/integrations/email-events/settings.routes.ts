import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { LemlistApiError, type LemlistClient } from '../lemlist/lemlist.client.js';
import type { EmailEventSettings } from './email-events.table.js';
import {
  emailEventsSecretBox,
  ensureEmailEventSettings,
  forgetLemlistKey,
  rotateWebhookSecret,
  saveLemlistKey,
  webhookUrls,
} from './settings.service.js';

const ZEmailEventSettings = z
  .object({
    postmarkWebhookUrl: z
      .string()
      .describe('Paste into Postmark › Servers › Webhooks (Basic auth in the URL)'),
    lemlistWebhookUrl: z.string().describe('Paste into Lemlist › Settings › Integrations › Webhooks'),
    lemlist: z.object({ connected: z.boolean(), connectedAt: z.iso.datetime().nullable() }),
  })
  .meta({ id: 'EmailEventSettings' });

const ZLemlistKey = z.strictObject({
  apiKey: z
    .string()
    .regex(/^[\x21-\x7e]{8,200}$/, 'must be the Lemlist API key (8 to 200 printable characters)'),
});

const access = { permission: 'contacts.settings', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 502);
const tags = ['email-events'];

export interface EmailEventSettingsRoutesOptions {
  db: Db;
  config: Config;
  lemlist: LemlistClient;
}

/**
 * Settings › E-mail events: the webhook URLs to paste into Postmark and Lemlist (they carry the
 * workspace's credentials, so answers are never cached), rotating them, and the Lemlist API key
 * (write-only) that outreach campaigns use.
 */
export const emailEventSettingsRoutes: FastifyPluginAsyncZod<EmailEventSettingsRoutesOptions> = async (
  app,
  { db, config, lemlist },
) => {
  const box = emailEventsSecretBox(config);
  const view = (tenantId: string, settings: EmailEventSettings): z.infer<typeof ZEmailEventSettings> => {
    const urls = webhookUrls(config, box, tenantId, settings);
    return {
      postmarkWebhookUrl: urls.postmark,
      lemlistWebhookUrl: urls.lemlist,
      lemlist: {
        connected: settings.lemlistApiKeySealed !== null,
        connectedAt: settings.lemlistConnectedAt?.toISOString() ?? null,
      },
    };
  };

  app.get(
    '/api/v1/settings/email-events',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The webhook URLs for Postmark and Lemlist, and whether Lemlist is connected',
        response: { 200: ZEmailEventSettings, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const settings = await withTenant(db, tenantId, (trx) => ensureEmailEventSettings(trx, box));
      reply.header('cache-control', 'no-store');
      return view(tenantId, settings);
    },
  );

  app.post(
    '/api/v1/settings/email-events/rotate',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Replace one provider’s webhook URL credentials (the old URL stops working at once)',
        body: z.strictObject({ provider: z.enum(['postmark', 'lemlist']) }),
        response: { 200: ZEmailEventSettings, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const settings = await withTenant(db, tenantId, (trx) =>
        rotateWebhookSecret(trx, box, tenantId, actor, request.body.provider),
      );
      reply.header('cache-control', 'no-store');
      return view(tenantId, settings);
    },
  );

  app.put(
    '/api/v1/settings/email-events/lemlist',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Connect Lemlist with an API key (checked with Lemlist first; stored sealed, never shown)',
        body: ZLemlistKey,
        response: { 200: ZEmailEventSettings, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      try {
        await lemlist.team(request.body.apiKey);
      } catch (error) {
        if (error instanceof LemlistApiError && (error.status === 401 || error.status === 403)) {
          throw new AppError('validation_failed', 'Lemlist refused this API key', {
            details: [{ path: 'body.apiKey', message: 'refused by Lemlist' }],
          });
        }
        throw new AppError('provider_unavailable', 'Lemlist could not be reached to check the key', {
          cause: error,
        });
      }
      const settings = await withTenant(db, tenantId, (trx) =>
        saveLemlistKey(trx, box, tenantId, actor, request.body.apiKey),
      );
      reply.header('cache-control', 'no-store');
      return view(tenantId, settings);
    },
  );

  app.delete(
    '/api/v1/settings/email-events/lemlist',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Disconnect Lemlist (forgets its API key; Lemlist campaigns then fail to push)',
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await withTenant(db, tenantId, (trx) => forgetLemlistKey(trx, tenantId, actor));
      return reply.code(204).send(null);
    },
  );
};
