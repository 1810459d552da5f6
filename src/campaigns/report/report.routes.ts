import contentDisposition from 'content-disposition';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../platform/db/database.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { campaignReport, campaignReportCsv } from './campaign-report.service.js';
import { FUNNEL_STAGES } from './recipient-outcomes.sql.js';

const ZFunnel = z.object(
  Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, z.int()])) as {
    [Stage in (typeof FUNNEL_STAGES)[number]]: z.ZodInt;
  },
);

const ZCampaignReport = z
  .object({
    campaign: z.object({
      id: z.uuid(),
      name: z.string(),
      status: z.string(),
      channelKind: z.string(),
      launchedAt: z.iso.datetime().nullable(),
      completedAt: z.iso.datetime().nullable(),
    }),
    variants: z.array(
      z.object({
        variant: z.enum(['A', 'B']),
        label: z.string().describe('The template (name and language) or the start of the SMS text'),
        recipients: z.int(),
        notSent: z.int().describe('Skipped, opted out, or cancelled before their send'),
        funnel: ZFunnel,
      }),
    ),
    total: z.object({ recipients: z.int(), notSent: z.int(), funnel: ZFunnel }),
    generatedAt: z.iso.datetime(),
  })
  .meta({ id: 'CampaignReport' });

const ZId = z.strictObject({ id: z.uuid() });
const read = { permission: 'campaigns.read', apiKeyScope: 'admin' } as const;
// Names and numbers of every recipient: a bulk export of personal data, for those trusted with exports.
const exportAccess = { permission: 'contacts.export', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404);
const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** A campaign's funnel (sent → delivered → read → replied → qualified → quoted → won), and its CSV. */
export const campaignReportRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/campaigns/:id/report',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: "A campaign's funnel per variant and in total, as of now",
        description:
          'Attribution starts at each recipient’s send. delivered ⊇ read ⊇ replied (a reply implies delivery); qualified ⊇ quoted ⊇ won, from the contact’s profile, pipeline stage and quotes after the send.',
        params: ZId,
        response: { 200: ZCampaignReport, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const report = await campaignReport(db, tenantId, request.params.id);
      reply.header('cache-control', 'no-store');
      return {
        ...report,
        campaign: {
          ...report.campaign,
          launchedAt: iso(report.campaign.launchedAt),
          completedAt: iso(report.campaign.completedAt),
        },
        generatedAt: report.generatedAt.toISOString(),
      };
    },
  );

  app.get(
    '/api/v1/campaigns/:id/report.csv',
    {
      config: { access: exportAccess },
      schema: {
        tags: ['campaigns'],
        summary: 'Every recipient of a campaign with the funnel stages it reached, as CSV (streamed)',
        description:
          'One row per recipient; cells a spreadsheet would run as a formula start with an apostrophe. The download is audited.',
        params: ZId,
        response: { 200: z.any().describe('text/csv'), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { fileName, stream } = await campaignReportCsv(db, tenantId, actor, request.params.id);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', contentDisposition(fileName))
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
};
