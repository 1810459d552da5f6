import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { ZErrorEnvelope } from '../../platform/http/error-envelope.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import { applySmsStatus, findSmsNumber, storeInboundSms } from './sms.repository.js';
import { scheduleSmsStatusesCheck } from './sms-apply-statuses.task.js';
import { isTwilioNumber, storeWaitingSmsStatus } from './sms-statuses.repository.js';
import { response } from './twiml.js';
import { acceptTwilioForms, createTwilioVerifier, TWILIO_BODY_LIMIT } from './webhook-request.js';

const ZE164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/);
const ZMessageSid = z.string().regex(/^(SM|MM)[0-9a-f]{32}$/);
const ZInboundFields = z.object({
  MessageSid: ZMessageSid,
  From: ZE164,
  To: ZE164,
  // Twilio joins a long SMS's segments into one Body (at most 1,600 characters).
  Body: z.string().max(1600),
});
const ZStatusFields = z.object({
  MessageSid: ZMessageSid,
  MessageStatus: z.string().regex(/^[a-z-]{1,32}$/),
  ErrorCode: z
    .string()
    .regex(/^[0-9]{1,6}$/)
    .transform(Number)
    .optional(),
});
const ZTokenHeader = z.string().min(1).max(200);

const errors = {
  400: ZErrorEnvelope,
  401: ZErrorEnvelope,
  404: ZErrorEnvelope,
  413: ZErrorEnvelope,
  415: ZErrorEnvelope,
};

export interface TwilioSmsWebhookOptions {
  db: Db;
  config: Config;
  metrics: Metrics;
}

/** Where Twilio posts a workspace's inbound SMS (the number's "A message comes in" webhook). */
export function smsInboundUrl(config: Pick<Config, 'http'>, tenantId: string): string {
  return `${config.http.publicUrl}/webhooks/twilio/${tenantId}/sms`;
}

/** The StatusCallback of one ledger row sent from a number: it names the row, so a callback settles it. */
export function smsStatusUrl(
  config: Pick<Config, 'http'>,
  tenantId: string,
  numberId: string,
  messageId: string,
): string {
  return `${config.http.publicUrl}/webhooks/twilio/${tenantId}/sms/${numberId}/status/${messageId}`;
}

/**
 * Twilio's SMS webhooks: inbound messages and outbound status callbacks, each verified with
 * X-Twilio-Signature under the workspace's auth token before anything is read or stored. An inbound SMS
 * is answered (empty TwiML) only once its receipt is committed; processing runs later, per conversation.
 */
export const twilioSmsWebhookRoutes: FastifyPluginAsyncZod<TwilioSmsWebhookOptions> = async (
  app,
  { db, config, metrics },
) => {
  acceptTwilioForms(app);
  const verify = createTwilioVerifier({ db, config, metrics });

  app.post(
    '/webhooks/twilio/:tenantId/sms',
    {
      config: { access: 'public', rateLimit: 'webhook' },
      bodyLimit: TWILIO_BODY_LIMIT,
      schema: {
        tags: ['webhooks'],
        summary: 'An inbound SMS to one of the workspace’s Twilio numbers (stored before the answer)',
        params: z.object({ tenantId: z.uuid() }),
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = request.params;
      const { params, fields } = await verify(request, tenantId, ZInboundFields);
      const token = ZTokenHeader.safeParse(request.headers['i-twilio-idempotency-token']);
      const stored = await withTenant(db, tenantId, async (trx) => {
        const number = await findSmsNumber(trx, fields.To);
        if (!number) return undefined;
        return storeInboundSms(trx, {
          numberId: number.id,
          messageSid: fields.MessageSid,
          fromE164: fields.From,
          body: fields.Body,
          params,
          idempotencyToken: token.success ? token.data : null,
          requestId: request.id,
        });
      });
      if (stored === undefined)
        throw new AppError('not_found', 'The number is not an SMS number of this workspace');
      request.log.info({ duplicate: !stored }, 'inbound SMS stored');
      reply.type('text/xml; charset=utf-8');
      return response();
    },
  );

  app.post(
    '/webhooks/twilio/:tenantId/sms/:numberId/status/:messageId',
    {
      config: { access: 'public', rateLimit: 'webhook' },
      bodyLimit: TWILIO_BODY_LIMIT,
      schema: {
        tags: ['webhooks'],
        summary:
          'Status callbacks of an outbound SMS (applied forward-only, in any order; kept until their message appears)',
        params: z.object({ tenantId: z.uuid(), numberId: z.uuid(), messageId: z.uuid() }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, numberId, messageId } = request.params;
      const { fields } = await verify(request, tenantId, ZStatusFields);
      const token = ZTokenHeader.safeParse(request.headers['i-twilio-idempotency-token']);
      const status = {
        messageId,
        numberId,
        messageSid: fields.MessageSid,
        status: fields.MessageStatus,
        errorCode: fields.ErrorCode ?? null,
      };
      const result = await withTenant(db, tenantId, async (trx) => {
        if (!(await isTwilioNumber(trx, numberId))) return 'no-number' as const;
        const applied = await applySmsStatus(trx, status);
        if (applied !== 'unknown') return applied;
        // Not a row Leadline knows yet (its send is committing, or it was sent from elsewhere): kept,
        // committed before the 204, and applied when the row appears (or expired).
        const stored = await storeWaitingSmsStatus(trx, {
          ...status,
          idempotencyToken: token.success ? token.data : null,
          requestId: request.id,
        });
        if (stored) await scheduleSmsStatusesCheck(trx, numberId, request.id);
        return stored ? ('waiting' as const) : ('duplicate' as const);
      });
      if (result === 'no-number') throw new AppError('not_found', 'Unknown number');
      request.log.debug({ messageId, result }, 'Twilio SMS status callback');
      return reply.code(204).send(null);
    },
  );
};
