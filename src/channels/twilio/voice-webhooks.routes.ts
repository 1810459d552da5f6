import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { ZErrorEnvelope } from '../../platform/http/error-envelope.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import type { CallbackCallEvents } from '../../widgets/call-events.service.js';
import { voiceUrl } from './call-bridge.js';
import { findConnection, twilioSecretBox } from './connection.service.js';
import { type TwilioParams, validTwilioRequest } from './signature.js';
import { element, response, SAY_LANGUAGE, text } from './twiml.js';

const BODY_LIMIT = 64 * 1024;
const MAX_PARAMS = 200;

const ZParams = z.object({ tenantId: z.uuid(), callbackId: z.uuid() });
const ZCallSid = z.string().regex(/^CA[0-9a-f]{32}$/);
const ZCallStatus = z.enum([
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
]);
const ZSeconds = z
  .string()
  .regex(/^[0-9]{1,7}$/)
  .transform(Number);
const ZCallFields = z.object({ CallSid: ZCallSid, To: z.string().max(64).optional() });
const ZStatusFields = ZCallFields.extend({
  CallStatus: ZCallStatus,
  SequenceNumber: z
    .string()
    .regex(/^[0-9]{1,9}$/)
    .transform(Number),
  CallDuration: ZSeconds.optional(),
});
const ZGatherFields = ZCallFields.extend({
  Digits: z
    .string()
    .regex(/^[0-9*#w]{0,32}$/)
    .optional(),
});
const ZDialFields = ZCallFields.extend({
  DialCallStatus: ZCallStatus,
  DialCallDuration: ZSeconds.optional(),
  DialCallSid: ZCallSid.optional(),
});

const twimlResponses = {
  200: z.string(),
  400: ZErrorEnvelope,
  401: ZErrorEnvelope,
  404: ZErrorEnvelope,
  413: ZErrorEnvelope,
  415: ZErrorEnvelope,
};

/**
 * Reads a form body strictly: valid UTF-8 only, no NUL, a bounded number of fields. Repeated names are
 * kept as lists (they count in the signature); fields read as scalars take their first value.
 */
function parseForm(raw: Buffer): Record<string, string | string[]> {
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new AppError('bad_request', 'The body is not valid UTF-8');
  }
  const params: Record<string, string | string[]> = Object.create(null);
  let count = 0;
  for (const [name, value] of new URLSearchParams(decoded)) {
    count += 1;
    if (count > MAX_PARAMS) throw new AppError('bad_request', 'Too many parameters');
    if (name.includes('\u0000') || value.includes('\u0000'))
      throw new AppError('bad_request', 'NUL in a parameter');
    const existing = params[name];
    params[name] =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

function scalars(params: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => [name, Array.isArray(value) ? (value[0] ?? '') : value]),
  );
}

export interface TwilioVoiceWebhookOptions {
  db: Db;
  config: Config;
  events: CallbackCallEvents;
  metrics: Metrics;
}

/**
 * Twilio's requests about call-back calls: the TwiML it fetches (whisper, key press, end of the bridge)
 * and the call-progress status callbacks. Each is verified with X-Twilio-Signature over PUBLIC_URL plus
 * the path and query Twilio was given, and every parameter, under the workspace's auth token, before
 * anything is read or stored. Bad signatures are 401 with no side effect.
 */
export const twilioVoiceWebhookRoutes: FastifyPluginAsyncZod<TwilioVoiceWebhookOptions> = async (
  app,
  { db, config, events, metrics },
) => {
  const box = twilioSecretBox(config);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );

  async function verified<T extends z.ZodType>(request: FastifyRequest, schema: T): Promise<z.infer<T>> {
    const { tenantId } = request.params as z.infer<typeof ZParams>;
    if (!Buffer.isBuffer(request.body)) throw new AppError('bad_request', 'A form body is required');
    const params = parseForm(request.body);
    const connection = await withTenant(db, tenantId, findConnection);
    if (!connection) throw new AppError('not_found', 'Unknown webhook');
    const url = `${config.http.publicUrl}${request.url}`;
    const authToken = box.open(connection.authTokenSealed);
    if (!validTwilioRequest(authToken, request.headers['x-twilio-signature'], url, params as TwilioParams)) {
      metrics.badWebhookSignatures.inc({ provider: 'twilio' });
      request.log.warn({ route: request.routeOptions.url }, 'Twilio webhook with a bad signature');
      throw new AppError('unauthenticated', 'Invalid signature');
    }
    const fields = schema.safeParse(scalars(params));
    if (!fields.success) throw new AppError('bad_request', 'Unexpected Twilio parameters');
    return fields.data;
  }

  const config_ = (summary: string) => ({
    config: { access: 'public' as const, rateLimit: 'webhook' as const },
    bodyLimit: BODY_LIMIT,
    schema: { tags: ['webhooks'], summary, params: ZParams, response: twimlResponses },
  });

  app.post(
    '/webhooks/twilio/:tenantId/callbacks/:callbackId/whisper',
    config_('TwiML for the business leg: the whisper and “press 1”'),
    async (request, reply) => {
      const { tenantId, callbackId } = request.params;
      const fields = await verified(request, ZCallFields);
      const said = await events.whisper(tenantId, callbackId, fields.CallSid);
      reply.type('text/xml; charset=utf-8');
      if (!said) return response(element('Hangup', {}));
      const language = SAY_LANGUAGE[said.language] ?? 'en-US';
      return response(
        element(
          'Gather',
          {
            input: 'dtmf',
            numDigits: 1,
            timeout: 10,
            method: 'POST',
            action: voiceUrl(config, tenantId, callbackId, 'gather'),
          },
          element('Say', { language }, text(said.text)),
        ),
        element('Hangup', {}),
      );
    },
  );

  app.post(
    '/webhooks/twilio/:tenantId/callbacks/:callbackId/gather',
    config_('TwiML after the agent’s key press: bridge to the visitor'),
    async (request, reply) => {
      const { tenantId, callbackId } = request.params;
      const fields = await verified(request, ZGatherFields);
      reply.type('text/xml; charset=utf-8');
      if (fields.Digits !== '1') {
        return response(
          element('Redirect', { method: 'POST' }, text(voiceUrl(config, tenantId, callbackId, 'whisper'))),
        );
      }
      const bridge = await events.accept(tenantId, callbackId, fields.CallSid, request.id);
      if (!bridge) return response(element('Hangup', {}));
      return response(
        element(
          'Dial',
          {
            callerId: bridge.callerNumber,
            timeout: 30,
            method: 'POST',
            action: voiceUrl(config, tenantId, callbackId, 'dial-done'),
          },
          element(
            'Number',
            {
              statusCallbackEvent: 'initiated ringing answered completed',
              statusCallback: voiceUrl(config, tenantId, callbackId, 'status/visitor'),
              statusCallbackMethod: 'POST',
            },
            text(bridge.visitorNumber),
          ),
        ),
      );
    },
  );

  app.post(
    '/webhooks/twilio/:tenantId/callbacks/:callbackId/dial-done',
    config_('TwiML when the bridge to the visitor ends'),
    async (request, reply) => {
      const { tenantId, callbackId } = request.params;
      const fields = await verified(request, ZDialFields);
      await events.dialFinished(tenantId, callbackId, {
        dialCallStatus: fields.DialCallStatus,
        durationSeconds: fields.DialCallDuration ?? null,
        visitorCallSid: fields.DialCallSid ?? null,
      });
      reply.type('text/xml; charset=utf-8');
      return response(element('Hangup', {}));
    },
  );

  app.post(
    '/webhooks/twilio/:tenantId/callbacks/:callbackId/status/:leg',
    {
      config: { access: 'public', rateLimit: 'webhook' },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['webhooks'],
        summary:
          'Call-progress status callbacks of a call-back’s legs (ordered by SequenceNumber, idempotent)',
        params: ZParams.extend({ leg: z.enum(['business', 'visitor']) }),
        response: {
          204: z.null(),
          400: ZErrorEnvelope,
          401: ZErrorEnvelope,
          404: ZErrorEnvelope,
          413: ZErrorEnvelope,
          415: ZErrorEnvelope,
        },
      },
    },
    async (request, reply) => {
      const { tenantId, callbackId, leg } = request.params;
      const fields = await verified(request, ZStatusFields);
      const result = await events.legStatus(
        tenantId,
        callbackId,
        leg,
        {
          callSid: fields.CallSid,
          callStatus: fields.CallStatus,
          sequenceNumber: fields.SequenceNumber,
          durationSeconds: fields.CallDuration ?? null,
        },
        request.id,
      );
      request.log.debug({ callbackId, leg, result }, 'Twilio status callback');
      return reply.code(204).send(null);
    },
  );
};
