import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { ZSerialCursor } from '../platform/http/cursor.js';
import { ZErrorEnvelope } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { listAuditEntries } from './audit.repository.js';

const ZDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const ZAuditEntry = z
  .object({
    id: z.string(),
    action: z.string(),
    actorUserId: z.uuid().nullable(),
    actorApiKeyId: z.uuid().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'AuditEntry' });

/** The workspace's audit trail for owners and admins (and `admin` API keys, e.g. for a SIEM export). */
export const auditRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/audit-log',
    {
      config: { access: { permission: 'audit.read', apiKeyScope: 'admin' } },
      schema: {
        tags: ['audit'],
        summary: 'Audit entries of the workspace, newest first',
        querystring: z.strictObject({
          action: z
            .string()
            .max(100)
            .regex(/^[a-z0-9_.:-]+$/)
            .optional(),
          actorUserId: z.uuid().optional(),
          from: ZDate.optional(),
          to: ZDate.optional(),
          cursor: ZSerialCursor.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({ items: z.array(ZAuditEntry), nextCursor: z.string().nullable() }),
          400: ZErrorEnvelope,
          401: ZErrorEnvelope,
          403: ZErrorEnvelope,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, limit, ...filters } = request.query;
      const rows = await withTenant(db, tenantId, (trx) =>
        listAuditEntries(trx, { ...filters, beforeId: cursor, limit: limit + 1 }),
      );
      const page = rows.slice(0, limit);
      return {
        items: page.map((row) => ({
          id: String(row.id),
          action: row.action,
          actorUserId: row.actorUserId,
          actorApiKeyId: row.actorApiKeyId,
          ip: row.ip,
          userAgent: row.userAgent,
          requestId: row.requestId,
          detail: row.detail,
          createdAt: row.createdAt.toISOString(),
        })),
        nextCursor: rows.length > limit ? String(page.at(-1)?.id) : null,
      };
    },
  );
};
