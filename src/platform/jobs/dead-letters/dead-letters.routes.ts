import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { pageBody, ZCursor, ZPage } from '../../http/cursor.js';
import { errorResponses } from '../../http/error-envelope.js';
import { tenantActor } from '../../http/request-context.js';
import {
  discardTenantDeadLetters,
  replayTenantDeadLetters,
  tenantDeadLetter,
  tenantDeadLetters,
} from './dead-letters.service.js';
import type { DeadLetter } from './dead-letters.table.js';
import { maskError, maskPayload } from './mask.js';

const ZDeadLetter = z
  .object({
    id: z.uuid(),
    task: z.string(),
    status: z.enum(['dead', 'replayed']),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    lastError: z.string().nullable(),
    failedAt: z.iso.datetime(),
    replayedAt: z.iso.datetime().nullable(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'DeadLetter' });
const ZDeadLetterDetail = ZDeadLetter.extend({ payload: z.unknown() }).meta({ id: 'DeadLetterDetail' });

export function toDeadLetter(row: DeadLetter): z.infer<typeof ZDeadLetter> {
  return {
    id: row.id,
    task: row.task,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    lastError: maskError(row.lastError),
    failedAt: row.failedAt.toISOString(),
    replayedAt: row.replayedAt?.toISOString() ?? null,
    requestId: row.requestId,
  };
}

const ZDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const ZIds = z.strictObject({ ids: z.array(z.uuid()).min(1).max(100) });
const access = { permission: 'dead-letters.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404);

/** The workspace's dead-letter queue: jobs that used up their attempts, for admins to replay or discard. */
export const deadLettersRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/dead-letters',
    {
      config: { access },
      schema: {
        tags: ['dead-letters'],
        summary: 'Dead-lettered jobs of the workspace, newest failure first',
        querystring: z.strictObject({
          task: z
            .string()
            .max(100)
            .regex(/^[a-z0-9_.:-]+$/)
            .optional(),
          status: z.enum(['dead', 'replayed']).optional(),
          from: ZDate.optional(),
          to: ZDate.optional(),
          cursor: ZCursor.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: ZPage(ZDeadLetter),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, ...filters } = request.query;
      return pageBody(await tenantDeadLetters(db, tenantId, { ...filters, after: cursor }), toDeadLetter);
    },
  );

  app.get(
    '/api/v1/dead-letters/:id',
    {
      config: { access },
      schema: {
        tags: ['dead-letters'],
        summary: 'One dead-lettered job, its payload with personal data masked',
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: ZDeadLetterDetail, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const row = await tenantDeadLetter(db, tenantId, request.params.id);
      return { ...toDeadLetter(row), payload: maskPayload(row.payload) };
    },
  );

  app.post(
    '/api/v1/dead-letters/replay',
    {
      config: { access },
      schema: {
        tags: ['dead-letters'],
        summary:
          'Enqueue dead-lettered jobs again with a fresh attempt count (already replayed ones are left)',
        body: ZIds,
        response: {
          200: z.object({ replayed: z.array(ZDeadLetter), alreadyReplayed: z.array(z.uuid()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const outcome = await replayTenantDeadLetters(db, tenantId, actor, request.body.ids);
      return { replayed: outcome.replayed.map(toDeadLetter), alreadyReplayed: outcome.alreadyReplayed };
    },
  );

  app.post(
    '/api/v1/dead-letters/discard',
    {
      config: { access },
      schema: {
        tags: ['dead-letters'],
        summary: 'Delete dead letters (all or none: an unknown id fails the request)',
        body: ZIds,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await discardTenantDeadLetters(db, tenantId, actor, request.body.ids);
      return reply.code(204).send(null);
    },
  );
};
