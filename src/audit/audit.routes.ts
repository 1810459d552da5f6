import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { csvStream } from '../platform/export/csv.js';
import { ZPage, ZSerialCursor } from '../platform/http/cursor.js';
import { ZErrorEnvelope } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { allAuditEntries, listAuditEntries, type NamedAuditEntry } from './audit.repository.js';

const ZDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const ZAuditEntry = z
  .object({
    id: z.string(),
    action: z.string(),
    actorUserId: z.uuid().nullable(),
    actorApiKeyId: z.uuid().nullable(),
    actorName: z
      .string()
      .nullable()
      .describe("The member's name (or address) or the API key's name; null for the system or a deleted key"),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'AuditEntry' });

const ZFilters = {
  action: z
    .string()
    .max(100)
    .regex(/^[a-z0-9_.:-]+$/)
    .optional(),
  actorUserId: z.uuid().optional(),
  from: ZDate.optional(),
  to: ZDate.optional(),
};

function toEntry(row: NamedAuditEntry): z.infer<typeof ZAuditEntry> {
  return {
    id: String(row.id),
    action: row.action,
    actorUserId: row.actorUserId,
    actorApiKeyId: row.actorApiKeyId,
    actorName: row.actorName,
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
    detail: row.detail,
    createdAt: row.createdAt.toISOString(),
  };
}

const CSV_COLUMNS = [
  'id',
  'created_at',
  'action',
  'actor',
  'actor_user_id',
  'actor_api_key_id',
  'ip',
  'user_agent',
  'request_id',
  'detail',
] as const;

const access = { permission: 'audit.read', apiKeyScope: 'admin' } as const;

/** The workspace's audit trail for owners and admins (and `admin` API keys, e.g. for a SIEM export). */
export const auditRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/audit-log',
    {
      config: { access },
      schema: {
        tags: ['audit'],
        summary: 'Audit entries of the workspace, newest first',
        querystring: z.strictObject({
          ...ZFilters,
          cursor: ZSerialCursor.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: ZPage(ZAuditEntry),
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
        items: page.map(toEntry),
        nextCursor: rows.length > limit ? String(page.at(-1)?.id) : null,
      };
    },
  );

  app.get(
    '/api/v1/audit-log/export',
    {
      config: { access },
      schema: {
        tags: ['audit'],
        summary: 'Every entry matching the filters as a CSV download, newest first',
        description:
          'Streamed; cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) start with an apostrophe.',
        querystring: z.strictObject(ZFilters),
        response: {
          200: z.any().describe('text/csv'),
          400: ZErrorEnvelope,
          401: ZErrorEnvelope,
          403: ZErrorEnvelope,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const rows = (async function* () {
        for await (const row of allAuditEntries(db, tenantId, request.query)) {
          yield {
            id: row.id,
            created_at: row.createdAt,
            action: row.action,
            actor: row.actorName,
            actor_user_id: row.actorUserId,
            actor_api_key_id: row.actorApiKeyId,
            ip: row.ip,
            user_agent: row.userAgent,
            request_id: row.requestId,
            detail: JSON.stringify(row.detail),
          };
        }
      })();
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-log-${day}.csv"`)
        .header('cache-control', 'no-store')
        .send(csvStream(CSV_COLUMNS, rows));
    },
  );
};
