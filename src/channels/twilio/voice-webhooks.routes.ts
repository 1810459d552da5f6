import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { ZErrorEnvelope } from '../../platform/http/error-envelope.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import type { CallbackCallEvents } from '../../widgets/call-events.service.js';
import { voiceUrl } from './call-bridge.js';
import { element, response, SAY_LANGUAGE, text } from './twiml.js';
import { acceptTwilioForms, createTwilioVerifier, TWILIO_BODY_LIMIT } from './webhook-request.js';

const BODY_LIMIT = TWILIO_BODY_LIMIT;

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
  acceptTwilioForms(app);
  const verify = createTwilioVerifier({ db, config, metrics });
  async function verified<T extends z.ZodType>(request: FastifyRequest, schema: T): Promise<z.infer<T>> {
    const { tenantId } = request.params as z.infer<typeof ZParams>;
    return (await verify(request, tenantId, schema)).fields;
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
