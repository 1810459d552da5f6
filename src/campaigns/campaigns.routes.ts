import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { pageBody, pageOf, ZCursor, ZPage } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { campaignProgress, launchCampaign, previewCampaign, retryFailed } from './campaign-launch.service.js';
import type { ListedRecipient } from './campaigns.repository.js';
import {
  ZCampaign,
  ZCampaignInput,
  ZCampaignPatch,
  ZPreview,
  ZProgress,
  ZRecipient,
} from './campaigns.schemas.js';
import {
  campaignPage,
  changeCampaign,
  changeCampaignStatus,
  createCampaign,
  deleteCampaign,
  getCampaign,
  type LifecycleAction,
  recipientPage,
} from './campaigns.service.js';
import { CAMPAIGN_STATUSES, type Campaign, RECIPIENT_STATUSES } from './campaigns.table.js';

// API keys: campaigns message many people at once, so only an `admin` key reaches them (reads included).
const read = { permission: 'campaigns.read', apiKeyScope: 'admin' } as const;
const manage = { permission: 'campaigns.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);
const ZId = z.strictObject({ id: z.uuid() });
const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toCampaign(c: Campaign): z.infer<typeof ZCampaign> {
  return {
    id: c.id,
    name: c.name,
    channelKind: c.channelKind,
    channelId: c.channelId,
    segmentId: c.segmentId,
    status: c.status,
    pausedReason: c.pausedReason,
    scheduledAt: iso(c.scheduledAt),
    replyHandling: c.replyHandling,
    content: c.content,
    quietHours:
      c.quietHoursStart === null || c.quietHoursEnd === null
        ? null
        : { start: c.quietHoursStart, end: c.quietHoursEnd },
    createdByUserId: c.createdByUserId,
    launchedAt: iso(c.launchedAt),
    completedAt: iso(c.completedAt),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

function toRecipient(r: ListedRecipient): z.infer<typeof ZRecipient> {
  return {
    id: r.id,
    contactId: r.contactId,
    contactName: r.contactName,
    variant: r.variant,
    status: r.status,
    skipReason: r.skipReason,
    errorCode: r.errorCode,
    notBefore: r.notBefore.toISOString(),
    messageId: r.messageId,
    conversationId: r.conversationId,
    sentAt: iso(r.sentAt),
    deliveredAt: iso(r.deliveredAt),
    readAt: iso(r.readAt),
    repliedAt: iso(r.repliedAt),
    failedAt: iso(r.failedAt),
  };
}

/** Campaigns: drafts, audience preview, launch and the lifecycle of a running campaign (ADR 0039). */
export const campaignsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/campaigns',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: 'Campaigns, newest first (keyset cursor)',
        querystring: z.strictObject({
          cursor: ZCursor.optional(),
          limit: z.coerce.number().int().min(1).max(100).default(25),
          status: z.enum(CAMPAIGN_STATUSES).optional(),
        }),
        response: {
          200: ZPage(ZCampaign),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, limit, status } = request.query;
      const rows = await campaignPage(db, tenantId, { after: cursor, limit, status });
      return pageBody(
        pageOf(rows, limit, (row) => ({ at: row.createdAt, id: row.id })),
        toCampaign,
      );
    },
  );

  app.post(
    '/api/v1/campaigns',
    {
      config: { access: manage },
      schema: {
        tags: ['campaigns'],
        summary: 'Create a draft campaign',
        body: ZCampaignInput,
        response: { 201: ZCampaign, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toCampaign(await createCampaign(db, tenantId, actor, request.body));
    },
  );

  app.get(
    '/api/v1/campaigns/:id',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: 'A campaign',
        params: ZId,
        response: { 200: ZCampaign, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toCampaign(await getCampaign(db, tenantId, request.params.id));
    },
  );

  app.patch(
    '/api/v1/campaigns/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['campaigns'],
        summary: 'Change a draft campaign',
        params: ZId,
        body: ZCampaignPatch,
        response: { 200: ZCampaign, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toCampaign(await changeCampaign(db, tenantId, actor, request.params.id, request.body));
    },
  );

  app.delete(
    '/api/v1/campaigns/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['campaigns'],
        summary: 'Delete a draft campaign',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await deleteCampaign(db, tenantId, actor, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/campaigns/:id/preview',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: 'Audience counts, exclusions by reason, ETA and (SMS) cost estimate',
        params: ZId,
        response: { 200: ZPreview, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return previewCampaign(db, tenantId, request.params.id);
    },
  );

  app.post(
    '/api/v1/campaigns/:id/launch',
    {
      config: { access: manage },
      schema: {
        tags: ['campaigns'],
        summary: 'Freeze the audience and start now or at `scheduledAt`',
        params: ZId,
        body: z
          .strictObject({
            /** With an offset, an instant; without one, the workspace's wall-clock time. */
            scheduledAt: z.iso.datetime({ offset: true, local: true }).optional(),
          })
          .default({}),
        response: { 200: ZCampaign, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { scheduledAt } = request.body;
      return toCampaign(await launchCampaign(db, tenantId, actor, request.params.id, { scheduledAt }));
    },
  );

  for (const action of ['pause', 'resume', 'cancel'] as const satisfies LifecycleAction[]) {
    app.post(
      `/api/v1/campaigns/:id/${action}`,
      {
        config: { access: manage },
        schema: {
          tags: ['campaigns'],
          summary: `${action[0]?.toUpperCase()}${action.slice(1)} a campaign (takes effect within a second)`,
          params: ZId,
          response: { 200: ZCampaign, ...errors },
        },
      },
      async (request) => {
        const { tenantId, ...actor } = tenantActor(request);
        return toCampaign(await changeCampaignStatus(db, tenantId, actor, request.params.id, action));
      },
    );
  }

  app.post(
    '/api/v1/campaigns/:id/retry-failed',
    {
      config: { access: manage },
      schema: {
        tags: ['campaigns'],
        summary: 'Queue the failed recipients again (never one already sent)',
        params: ZId,
        response: { 200: z.object({ requeued: z.int() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return retryFailed(db, tenantId, actor, request.params.id);
    },
  );

  app.get(
    '/api/v1/campaigns/:id/progress',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: 'Counts by recipient status, rate and ETA',
        params: ZId,
        response: { 200: ZProgress, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return campaignProgress(db, tenantId, request.params.id);
    },
  );

  app.get(
    '/api/v1/campaigns/:id/recipients',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: "A campaign's recipients in launch order (keyset cursor)",
        params: ZId,
        querystring: z.strictObject({
          cursor: ZCursor.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          status: z.enum(RECIPIENT_STATUSES).optional(),
        }),
        response: {
          200: ZPage(ZRecipient),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, limit, status } = request.query;
      const rows = await recipientPage(db, tenantId, request.params.id, { after: cursor, limit, status });
      return pageBody(
        pageOf(rows, limit, (row) => ({ at: row.createdAt, id: row.id })),
        toRecipient,
      );
    },
  );
};
