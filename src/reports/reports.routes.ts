import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isTimeZone } from '../business-hours/zoned-time.js';
import { CHANNEL_KINDS } from '../channels/channel-adapter.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { csvStream } from '../platform/export/csv.js';
import { pageBody, pageOf, ZCursor, ZPage, ZPageLimit } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { drillDown, FUNNEL_STEPS, type ReportFilter } from './reports.repository.js';
import { catchUpReportFacts, reportSummary, SUMMARY_CSV_COLUMNS, summaryCsvRows } from './reports.service.js';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 400;

const ZFilterFields = {
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('start of the range (default: 30 days before `to`)'),
  to: z.iso.datetime({ offset: true }).optional().describe('end of the range, exclusive (default: now)'),
  channel: z.enum(CHANNEL_KINDS).optional().describe('only conversations on this kind of channel'),
  timeZone: z
    .string()
    .max(64)
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Rome')
    .default('UTC')
    .describe('the zone days are counted in'),
  businessHours: z
    .enum(['true', 'false'])
    .default('false')
    .describe("response times counted in the workspace's business hours only"),
};

type FilterQuery = z.infer<z.ZodObject<typeof ZFilterFields>>;

function checkRange(query: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx) {
  const to = query.to ? Date.parse(query.to) : Date.now();
  const from = query.from ? Date.parse(query.from) : to - 30 * DAY_MS;
  if (!(to > from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (to - from > MAX_RANGE_DAYS * DAY_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['from'],
      message: `the range may span at most ${MAX_RANGE_DAYS} days`,
    });
  }
}

const ZFilterQuery = z.strictObject(ZFilterFields).superRefine(checkRange);

function filterOf(query: FilterQuery): ReportFilter {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
  return {
    from,
    to,
    channelKind: query.channel ?? null,
    timeZone: query.timeZone,
    businessHours: query.businessHours === 'true',
  };
}

const ZWait = z.object({
  count: z.number().int(),
  p50Seconds: z.number().nullable(),
  p90Seconds: z.number().nullable(),
  averageSeconds: z.number().nullable(),
});

const ZSummary = z
  .object({
    volume: z.array(
      z.object({ day: z.iso.date(), channelKind: z.string(), conversations: z.number().int() }),
    ),
    responseTimes: z.object({ bot: ZWait, human: ZWait, qualification: ZWait }),
    funnel: z.array(
      z.object({
        step: z.enum(FUNNEL_STEPS),
        conversations: z.number().int(),
        rateFromPrevious: z.number().nullable(),
        rateFromStart: z.number().nullable(),
      }),
    ),
    members: z.array(
      z.object({
        userId: z.uuid(),
        name: z.string(),
        conversations: z.number().int(),
        messages: z.number().int(),
        replies: z.number().int(),
        p50ResponseSeconds: z.number().nullable(),
        averageResponseSeconds: z.number().nullable(),
      }),
    ),
    callbacks: z.array(z.object({ status: z.string(), count: z.number().int() })),
  })
  .meta({ id: 'ReportSummary' });

const ZDrillDownQuery = z
  .strictObject({
    ...ZFilterFields,
    day: z.iso.date().optional().describe('one local day of the range'),
    step: z.enum(FUNNEL_STEPS).default('started').describe('conversations that reached this step'),
    memberId: z.uuid().optional().describe('conversations this member wrote in'),
    cursor: ZCursor.optional(),
    limit: ZPageLimit,
  })
  .superRefine(checkRange);

const ZDrillDownRow = z
  .object({
    conversationId: z.uuid(),
    startedAt: z.iso.datetime(),
    channelKind: z.string(),
    contactName: z.string().nullable(),
    phoneE164: z.string(),
  })
  .meta({ id: 'ReportConversation' });

/**
 * Reports (ADR 0047): figures of conversations started in a range, from the rollup the reports job keeps.
 * Owners and admins: the per-member table compares colleagues.
 */
export const reportsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  const access = { permission: 'reports.read', apiKeyScope: 'admin' } as const;

  app.get(
    '/api/v1/reports/summary',
    {
      config: { access },
      schema: {
        tags: ['reports'],
        summary: 'Conversations per day and channel, response times, the funnel, members and call-backs',
        querystring: ZFilterQuery,
        response: { 200: ZSummary, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      await catchUpReportFacts((work) => withTenant(db, tenantId, work));
      return withTenant(db, tenantId, (trx) => reportSummary(trx, filterOf(request.query)));
    },
  );

  app.get(
    '/api/v1/reports/conversations',
    {
      config: { access },
      schema: {
        tags: ['reports'],
        summary: 'The conversations behind a figure (a day, a funnel step, a member), newest first',
        querystring: ZDrillDownQuery,
        response: {
          200: ZPage(ZDrillDownRow),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, limit, day, step, memberId, ...query } = request.query;
      if (!cursor) await catchUpReportFacts((work) => withTenant(db, tenantId, work));
      const rows = await withTenant(db, tenantId, (trx) =>
        drillDown(
          trx,
          { ...filterOf(query), day: day ?? null, step, memberId: memberId ?? null },
          { limit: limit + 1, after: cursor ? { startedAt: cursor.at, id: cursor.id } : null },
        ),
      );
      const page = pageOf(rows, limit, (row) => ({ at: row.startedAt, id: row.conversationId }));
      return pageBody(page, (row) => ({ ...row, startedAt: row.startedAt.toISOString() }));
    },
  );

  app.get(
    '/api/v1/reports/export',
    {
      config: { access },
      schema: {
        tags: ['reports'],
        summary: 'The summary as a CSV download (one section per table)',
        querystring: ZFilterQuery,
        response: { 200: z.any().describe('text/csv'), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      await catchUpReportFacts((work) => withTenant(db, tenantId, work));
      const summary = await withTenant(db, tenantId, (trx) => reportSummary(trx, filterOf(request.query)));
      const rows = (async function* () {
        yield* summaryCsvRows(summary);
      })();
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="report-${day}.csv"`)
        .header('cache-control', 'no-store')
        .send(csvStream(SUMMARY_CSV_COLUMNS, rows));
    },
  );
};
