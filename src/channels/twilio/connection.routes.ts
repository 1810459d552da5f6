import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { isConfiguredNumber } from '../../widgets/phone-policy.js';
import { ZNewConnection, ZNewNumber } from './connection.fields.js';
import {
  addNumber,
  connectTwilio,
  disconnectTwilio,
  findConnection,
  listNumbers,
  removeNumber,
  syncNumbers,
} from './connection.service.js';
import type { TwilioRestClient } from './rest.client.js';
import { smsInboundUrl } from './sms-webhooks.routes.js';
import type { TwilioConnection, TwilioNumber } from './twilio.table.js';

const ZConnection = z
  .object({
    accountSid: z.string(),
    friendlyName: z.string().nullable(),
    authentication: z.enum(['auth-token', 'api-key']).describe('What REST calls authenticate with'),
    apiKeySid: z.string().nullable(),
    verifiedAt: z.iso.datetime(),
  })
  .meta({ id: 'TwilioConnection' });
const ZNumber = z
  .object({
    id: z.uuid(),
    phoneE164: z.string(),
    numberSid: z.string().nullable(),
    sms: z.boolean(),
    voice: z.boolean(),
    smsWebhookUrl: z
      .string()
      .nullable()
      .describe('Set it as the number’s “A message comes in” webhook in the Twilio console (SMS numbers)'),
  })
  .meta({ id: 'TwilioNumber' });

const access = { permission: 'channels.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409, 502);
const tags = ['twilio'];

/** Secrets are write-only: no response carries the auth token or the API key secret. */
function toConnection(connection: TwilioConnection): z.infer<typeof ZConnection> {
  return {
    accountSid: connection.accountSid,
    friendlyName: connection.friendlyName,
    authentication: connection.apiKeySid ? 'api-key' : 'auth-token',
    apiKeySid: connection.apiKeySid,
    verifiedAt: connection.verifiedAt.toISOString(),
  };
}
const numberView =
  (config: Config, tenantId: string) =>
  (number: TwilioNumber): z.infer<typeof ZNumber> => ({
    id: number.id,
    phoneE164: number.phoneE164,
    numberSid: number.numberSid,
    sms: number.sms,
    voice: number.voice,
    smsWebhookUrl: number.sms ? smsInboundUrl(config, tenantId) : null,
  });

export interface TwilioConnectionRoutesOptions {
  db: Db;
  config: Config;
  rest: TwilioRestClient;
}

export const twilioConnectionRoutes: FastifyPluginAsyncZod<TwilioConnectionRoutesOptions> = async (
  app,
  { db, config, rest },
) => {
  app.put(
    '/api/v1/twilio/connection',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Connect the workspace’s Twilio account (checked with Twilio before it is saved)',
        body: ZNewConnection,
        response: { 200: ZConnection, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const saved = await connectTwilio(db, config, rest, tenantId, actor, request.body);
      reply.header('cache-control', 'no-store');
      return toConnection(saved);
    },
  );

  app.get(
    '/api/v1/twilio/connection',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The Twilio connection (no secrets)',
        response: { 200: ZConnection, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const connection = await withTenant(db, tenantId, findConnection);
      if (!connection) throw new AppError('not_found', 'Twilio is not connected');
      return toConnection(connection);
    },
  );

  app.delete(
    '/api/v1/twilio/connection',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Disconnect Twilio (forgets its secrets and numbers)',
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await disconnectTwilio(db, tenantId, actor);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/twilio/numbers',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The workspace’s Twilio numbers (for SMS and as caller id)',
        response: { 200: z.object({ items: z.array(ZNumber) }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return { items: (await withTenant(db, tenantId, listNumbers)).map(numberView(config, tenantId)) };
    },
  );

  app.post(
    '/api/v1/twilio/numbers/sync',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Refresh the numbers from the account’s IncomingPhoneNumbers',
        response: { 200: z.object({ items: z.array(ZNumber) }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return { items: (await syncNumbers(db, config, rest, tenantId)).map(numberView(config, tenantId)) };
    },
  );

  app.post(
    '/api/v1/twilio/numbers',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Add a number by hand (e.g. a verified caller id)',
        body: ZNewNumber,
        response: { 201: ZNumber, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      if (!isConfiguredNumber(request.body.phoneE164)) {
        throw new AppError('validation_failed', 'Not a valid phone number', {
          details: [{ path: 'phoneE164', message: 'not a valid phone number' }],
        });
      }
      reply.code(201);
      return numberView(config, tenantId)(await addNumber(db, tenantId, request.body));
    },
  );

  app.delete(
    '/api/v1/twilio/numbers/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Remove a number',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      await removeNumber(db, tenantId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
