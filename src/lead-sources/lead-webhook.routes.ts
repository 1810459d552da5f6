import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validateCustomFieldValues } from '../contacts/custom-fields/custom-fields.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { AppError, type ErrorDetail } from '../platform/http/app-error.js';
import { ZErrorEnvelope } from '../platform/http/error-envelope.js';
import { parseJsonBody } from '../platform/http/json-body.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import {
  bodyDigest,
  findWebhookSource,
  IDEMPOTENCY_KEY,
  storeDelivery,
  type WebhookSource,
} from './lead-ingest.js';
import { ZLeadPayload } from './lead-payload.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyLeadSignature } from './lead-signature.js';
import { leadSourceSecretBox } from './lead-sources.service.js';
import type { LeadSourceKind } from './lead-sources.table.js';
import { importPhantombusterTask, processLeadTask } from './lead-task-refs.js';
import { ZPhantombusterWebhook } from './phantombuster.js';

/** A lead is a few KB; room for long consent texts and custom fields, far below the API's default. */
const BODY_LIMIT = 64 * 1024;
const MAX_DEPTH = 8;
const ZParams = z.object({ sourceId: z.string().max(64) });

const ZAccepted = z.object({
  deliveryId: z.uuid(),
  status: z.enum(['received', 'processed', 'rejected']),
  contactId: z.uuid().nullable(),
});

const errors = {
  400: ZErrorEnvelope,
  401: ZErrorEnvelope,
  404: ZErrorEnvelope,
  409: ZErrorEnvelope,
  413: ZErrorEnvelope,
  415: ZErrorEnvelope,
  429: ZErrorEnvelope,
  503: ZErrorEnvelope,
};

function invalid(issues: readonly z.core.$ZodIssue[]): AppError {
  const details: ErrorDetail[] = issues.slice(0, 20).map((issue) => ({
    path: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  return new AppError('validation_failed', 'Invalid lead', { details });
}

/**
 * Public endpoints of lead sources. A `webhook` source's deliveries are signed (Leadline-Timestamp and
 * Leadline-Signature over the raw bytes, checked before parsing); a `phantombuster` source takes
 * Phantombuster's unsigned result webhook, which only announces a run (the job verifies it through
 * Phantombuster's API). A 202 means the delivery and its job are committed.
 */
export const leadWebhookRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config; metrics: Metrics }> = async (
  app,
  { db, config, metrics },
) => {
  const box = leadSourceSecretBox(config);

  // Scoped to this plugin: signatures are over the exact bytes, so the body stays a Buffer until verified.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_r, body, done) => done(null, body),
  );

  const sourceOf = async (sourceId: string, kind: LeadSourceKind) => {
    const source = await findWebhookSource(db, box, sourceId);
    // A disabled source, another kind's endpoint and an unknown id all look alike.
    if (!source || source.kind !== kind) throw new AppError('not_found', 'Unknown lead source');
    return source;
  };

  const stored = async <T>(work: () => Promise<T>, request: FastifyRequest): Promise<T> => {
    try {
      return await work();
    } catch (cause) {
      if (cause instanceof AppError) throw cause;
      request.log.error({ err: cause }, 'lead delivery not stored');
      throw new AppError('service_unavailable', 'Not stored; retry later', { cause });
    }
  };

  app.post(
    '/api/v1/public/lead-sources/:sourceId/leads',
    {
      bodyLimit: BODY_LIMIT,
      config: { access: 'public', rateLimit: 'webhook' },
      schema: {
        tags: ['lead-sources'],
        summary: 'Deliver a lead (signed with Leadline-Timestamp and Leadline-Signature; Idempotency-Key)',
        params: ZParams,
        response: { 202: ZAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const source = await sourceOf(request.params.sourceId, 'webhook');
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new AppError('bad_request', 'A JSON body is required');
      const verdict = verifyLeadSignature(
        body,
        { timestamp: request.headers[TIMESTAMP_HEADER], signature: request.headers[SIGNATURE_HEADER] },
        source.secrets,
        Date.now(),
      );
      if (verdict !== 'valid') {
        metrics.badWebhookSignatures.inc({ provider: 'lead-source' });
        request.log.warn({ sourceId: source.id, verdict }, 'lead delivery refused: signature');
        throw new AppError(
          'unauthenticated',
          verdict === 'stale' ? 'Timestamp outside the 5-minute window' : 'Invalid signature',
        );
      }
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
        throw new AppError('bad_request', 'Idempotency-Key must be 1-200 printable ASCII characters');
      }
      const parsed = ZLeadPayload.safeParse(parseJsonBody(body, MAX_DEPTH));
      if (!parsed.success) throw invalid(parsed.error.issues);
      const lead = parsed.data;
      const result = await stored(
        () =>
          storeDelivery(
            db,
            source,
            {
              // Without a key, the body is its own key: a resent identical body is the same delivery.
              idempotencyKey: key ?? `sha256:${bodyDigest(body).toString('hex')}`,
              body,
              payload: lead,
              requestId: request.id,
            },
            processLeadTask,
            async (trx) => {
              if (lead.customFields)
                await validateCustomFieldValues(trx, lead.customFields, 'body.customFields');
            },
          ),
        request,
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      reply.code(202);
      return { deliveryId: result.deliveryId, status: result.status, contactId: result.contactId };
    },
  );

  app.post(
    '/api/v1/public/lead-sources/:sourceId/phantombuster',
    {
      bodyLimit: BODY_LIMIT * 4,
      config: { access: 'public', rateLimit: 'webhook' },
      schema: {
        tags: ['lead-sources'],
        summary: "Phantombuster's result webhook: queues the import of the run's result CSV",
        params: ZParams,
        response: { 202: ZAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const source: WebhookSource = await sourceOf(request.params.sourceId, 'phantombuster');
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new AppError('bad_request', 'A JSON body is required');
      const parsed = ZPhantombusterWebhook.safeParse(parseJsonBody(body, MAX_DEPTH));
      if (!parsed.success) throw invalid(parsed.error.issues);
      if (parsed.data.agentId !== source.phantombusterAgentId) {
        throw new AppError('not_found', 'Unknown lead source');
      }
      const result = await stored(
        () =>
          storeDelivery(
            db,
            source,
            {
              idempotencyKey: `container:${parsed.data.containerId}`,
              // The run's id is the key: Phantombuster's retries of one run may differ in durations.
              body: Buffer.from(`container:${parsed.data.containerId}`),
              payload: parsed.data,
              requestId: request.id,
            },
            importPhantombusterTask,
          ),
        request,
      );
      reply.code(202);
      return { deliveryId: result.deliveryId, status: result.status, contactId: result.contactId };
    },
  );
};
