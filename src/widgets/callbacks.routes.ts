import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { ZPageLimit } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { CALLBACK_STATUSES } from './callback-state.js';
import { cancelCallback, listCallbacks, rescheduleCallback } from './callbacks.service.js';
import type { Callback } from './widgets.table.js';

const ZCallback = z
  .object({
    id: z.uuid(),
    widgetId: z.uuid(),
    visitorE164: z.string(),
    visitorName: z.string().nullable(),
    language: z.string(),
    status: z.enum(CALLBACK_STATUSES),
    attempts: z.number().int(),
    scheduledFor: z.iso.datetime().nullable(),
    answeredByNumber: z.string().nullable(),
    durationSeconds: z.number().int().nullable(),
    outcomeDetail: z.string().nullable(),
    createdAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Callback' });

const read = { permission: 'conversations.read', apiKeyScope: 'messages:read' } as const;
const write = { permission: 'conversations.write', apiKeyScope: 'messages:write' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);
const tags = ['callbacks'];
const ZId = z.object({ id: z.uuid() });

function toCallback(callback: Callback): z.infer<typeof ZCallback> {
  return {
    id: callback.id,
    widgetId: callback.widgetId,
    visitorE164: callback.visitorE164,
    visitorName: callback.visitorName,
    language: callback.language,
    status: callback.status,
    attempts: callback.attempts,
    scheduledFor: callback.scheduledFor?.toISOString() ?? null,
    answeredByNumber: callback.answeredByNumber,
    durationSeconds: callback.durationSeconds,
    outcomeDetail: callback.outcomeDetail,
    createdAt: callback.createdAt.toISOString(),
    completedAt: callback.completedAt?.toISOString() ?? null,
  };
}

export const callbacksRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/callbacks',
    {
      config: { access: read },
      schema: {
        tags,
        summary: 'Call-back requests, newest first, with their outcome',
        querystring: z.strictObject({
          status: z.enum(CALLBACK_STATUSES).optional(),
          widgetId: z.uuid().optional(),
          contactId: z.uuid().optional().describe('Only the call-backs asked for with this contact’s number'),
          createdFrom: z.iso.datetime().optional(),
          createdTo: z.iso.datetime().optional(),
          limit: ZPageLimit,
          cursor: z.uuid().optional(),
        }),
        response: {
          200: z.object({ items: z.array(ZCallback), nextCursor: z.uuid().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { limit, createdFrom, createdTo, ...filters } = request.query;
      const rows = await withTenant(db, tenantId, (trx) =>
        listCallbacks(trx, {
          ...filters,
          createdFrom: createdFrom ? new Date(createdFrom) : undefined,
          createdTo: createdTo ? new Date(createdTo) : undefined,
          limit: limit + 1,
        }),
      );
      const page = rows.slice(0, limit);
      return {
        items: page.map(toCallback),
        nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.post(
    '/api/v1/callbacks/:id/cancel',
    {
      config: { access: write },
      schema: {
        tags,
        summary: 'Cancel a call-back that has not started',
        params: ZId,
        response: { 200: ZCallback, ...errors },
      },
    },
    async (request) => toCallback(await cancelCallback(db, tenantActor(request).tenantId, request.params.id)),
  );

  app.post(
    '/api/v1/callbacks/:id/reschedule',
    {
      config: { access: write },
      schema: {
        tags,
        summary: 'Move a pending call-back to another time',
        params: ZId,
        body: z.strictObject({ at: z.iso.datetime() }),
        response: { 200: ZCallback, ...errors },
      },
    },
    async (request) =>
      toCallback(
        await rescheduleCallback(
          db,
          tenantActor(request).tenantId,
          request.params.id,
          new Date(request.body.at),
          request.id,
        ),
      ),
  );
};
