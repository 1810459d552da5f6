import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { changePlan, PAUSE_REASONS, type PlanStatus, planStatus, readPlanStatus } from './plans.service.js';

const ZLimit = z.number().int().min(0).max(2_000_000_000).nullable();
const ZLimits = z.strictObject({
  members: ZLimit,
  channels: ZLimit,
  conversations: ZLimit.describe('conversations started per UTC month'),
  llmSpendUsd: z.number().min(0).max(1_000_000).nullable().describe('estimated LLM cost per UTC month'),
  campaignRecipients: ZLimit.describe('campaign recipients per UTC month'),
});
const ZState = z.enum(['trial', 'active', 'suspended']);
const ZReason = z.enum(PAUSE_REASONS);

const ZPlanStatus = z
  .object({
    state: ZState,
    trialEndsAt: z.iso.datetime().nullable(),
    suspendedReason: z.string().nullable(),
    limits: ZLimits,
    periodStart: z.iso.datetime(),
    meters: z.array(
      z.object({
        meter: z.enum(['members', 'channels', 'conversations', 'llmSpendUsd', 'campaignRecipients']),
        used: z.number(),
        limit: z.number().nullable(),
        period: z.enum(['month', 'current']),
      }),
    ),
    automation: z.object({
      allowed: z.boolean().describe('the bot, campaigns and automations act'),
      llm: z.boolean().describe('the LLM agent may be used (over the LLM spend limit the qualifier answers)'),
      reasons: z.array(ZReason),
      llmSpendReached: z.boolean(),
    }),
  })
  .meta({ id: 'WorkspacePlan' });

const usd = (micros: number | null) => (micros === null ? null : micros / 1e6);

function toPlanStatus(status: PlanStatus): z.infer<typeof ZPlanStatus> {
  const { plan } = status;
  return {
    state: plan.state,
    trialEndsAt: plan.trialEndsAt?.toISOString() ?? null,
    suspendedReason: plan.suspendedReason,
    limits: {
      members: plan.limits.members,
      channels: plan.limits.channels,
      conversations: plan.limits.conversations,
      llmSpendUsd: usd(plan.limits.llmSpendMicros),
      campaignRecipients: plan.limits.campaignRecipients,
    },
    periodStart: status.periodStart.toISOString(),
    meters: status.meters.map((reading) =>
      reading.meter === 'llmSpendMicros'
        ? { ...reading, meter: 'llmSpendUsd', used: reading.used / 1e6, limit: usd(reading.limit) }
        : { ...reading, meter: reading.meter },
    ),
    automation: status.gate,
  };
}

const ZPlanChange = z
  .strictObject({
    state: ZState.optional(),
    trialEndsAt: z.iso.datetime().nullable().optional(),
    suspendedReason: z.string().trim().min(1).max(500).nullable().optional(),
    limits: ZLimits.partial().optional(),
  })
  .meta({ id: 'WorkspacePlanChange' });

const toMicros = (value: number | null | undefined) =>
  value === undefined ? undefined : value === null ? null : Math.round(value * 1e6);

/** The body of a plan change, as the service takes it (limits left out keep their value). */
export function planInputOf(body: z.infer<typeof ZPlanChange>) {
  const { llmSpendUsd, ...limits } = body.limits ?? {};
  const micros = toMicros(llmSpendUsd);
  return {
    state: body.state,
    trialEndsAt: typeof body.trialEndsAt === 'string' ? new Date(body.trialEndsAt) : body.trialEndsAt,
    suspendedReason: body.suspendedReason,
    limits: { ...limits, ...(micros === undefined ? {} : { llmSpendMicros: micros }) },
  };
}

const ZWorkspaceParams = z.strictObject({ id: z.uuid() });
const operatorErrors = errorResponses(400, 401, 404);

/**
 * The workspace's own view of its plan (every member: the dashboard's banner and usage page), and, when
 * OPERATOR_API_TOKEN is set, the instance operator's API that changes plans.
 */
export const planRoutes: FastifyPluginAsyncZod<{ db: Db; operatorApi: boolean }> = async (
  app,
  { db, operatorApi },
) => {
  app.get(
    '/api/v1/workspace/plan',
    {
      config: { access: { permission: 'members.read', apiKeyScope: 'admin' } },
      schema: {
        tags: ['workspace'],
        summary: "The workspace's plan, its usage meters and whether the bot and automations are paused",
        response: { 200: ZPlanStatus, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toPlanStatus(await withTenant(db, tenantId, (trx) => planStatus(trx)));
    },
  );

  if (!operatorApi) return;
  const access = 'operator-token' as const;

  app.get(
    '/api/operator/v1/workspaces/:id/plan',
    {
      config: { access },
      schema: {
        tags: ['operator'],
        summary: "A workspace's plan and usage (instance operator)",
        params: ZWorkspaceParams,
        response: { 200: ZPlanStatus, ...operatorErrors },
      },
    },
    async (request) => toPlanStatus(await readPlanStatus(db, request.params.id)),
  );

  app.patch(
    '/api/operator/v1/workspaces/:id/plan',
    {
      config: { access },
      schema: {
        tags: ['operator'],
        summary: "Change a workspace's state and limits (instance operator); fields left out are kept",
        params: ZWorkspaceParams,
        body: ZPlanChange,
        response: { 200: ZPlanStatus, ...operatorErrors },
      },
    },
    async (request) => toPlanStatus(await changePlan(db, request.params.id, planInputOf(request.body))),
  );

  app.post(
    '/api/operator/v1/workspaces/:id/suspend',
    {
      config: { access },
      schema: {
        tags: ['operator'],
        summary: 'Suspend a workspace: messages are still stored, its bot and automations pause',
        params: ZWorkspaceParams,
        body: z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional(),
        response: { 200: ZPlanStatus, ...operatorErrors },
      },
    },
    async (request) =>
      toPlanStatus(
        await changePlan(db, request.params.id, {
          state: 'suspended',
          suspendedReason: request.body?.reason ?? null,
        }),
      ),
  );

  app.post(
    '/api/operator/v1/workspaces/:id/activate',
    {
      config: { access },
      schema: {
        tags: ['operator'],
        summary: 'Activate a workspace (ends a suspension or a trial)',
        params: ZWorkspaceParams,
        response: { 200: ZPlanStatus, ...operatorErrors },
      },
    },
    async (request) => toPlanStatus(await changePlan(db, request.params.id, { state: 'active' })),
  );
};
