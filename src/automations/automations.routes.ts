import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { pageBody, ZCursor, ZPage } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import {
  createRule,
  deleteRule,
  dryRun,
  getRule,
  pageOfRules,
  pageOfRuns,
  setRuleEnabled,
  updateRule,
} from './automations.service.js';
import type { AutomationRule, AutomationRun } from './automations.table.js';
import { ZAction, ZRuleInput, ZTrigger } from './rule-schema.js';

const ZRule = z
  .object({
    id: z.uuid(),
    name: z.string(),
    enabled: z.boolean(),
    trigger: ZTrigger,
    segmentId: z.uuid().nullable(),
    actions: z.array(ZAction),
    dailyCap: z.number().int(),
    enabledAt: z.iso.datetime().nullable(),
    nextRunAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'AutomationRule' });

const ZOutcome = z.object({
  type: z.string(),
  outcome: z.enum(['done', 'skipped']),
  reason: z.string().optional(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
});

const ZRun = z
  .object({
    id: z.uuid(),
    ruleId: z.uuid(),
    contactId: z.uuid(),
    windowKey: z.string(),
    status: z.enum(['pending', 'done', 'skipped', 'failed']),
    skipReason: z.string().nullable(),
    outcomes: z.array(ZOutcome),
    error: z.string().nullable(),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'AutomationRun' });

const iso = (date: Date | null) => date?.toISOString() ?? null;

function toRule(rule: AutomationRule): z.infer<typeof ZRule> {
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    trigger: rule.trigger,
    segmentId: rule.segmentId,
    actions: rule.actions,
    dailyCap: rule.dailyCap,
    enabledAt: iso(rule.enabledAt),
    nextRunAt: iso(rule.nextRunAt),
    createdAt: rule.createdAt.toISOString(),
    updatedAt: rule.updatedAt.toISOString(),
  };
}

function toRun(run: AutomationRun): z.infer<typeof ZRun> {
  return {
    id: run.id,
    ruleId: run.ruleId,
    contactId: run.contactId,
    windowKey: run.windowKey,
    status: run.status,
    skipReason: run.skipReason,
    outcomes: run.outcomes,
    error: run.error,
    createdAt: run.createdAt.toISOString(),
    finishedAt: iso(run.finishedAt),
  };
}

const ZId = z.strictObject({ id: z.uuid() });
const ZPageParams = {
  cursor: ZCursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
};
const read = { permission: 'automations.read', apiKeyScope: 'admin' } as const;
const manage = { permission: 'automations.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404);
const tags = ['automations'];

/** Automation rules: CRUD, enable/disable, a dry run and each rule's run history. */
export const automationsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/automations',
    {
      config: { access: read },
      schema: {
        tags,
        summary: 'Automation rules, newest first',
        querystring: z.strictObject(ZPageParams),
        response: { 200: ZPage(ZRule), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, limit } = request.query;
      return pageBody(await pageOfRules(db, tenantId, { limit, after: cursor }), toRule);
    },
  );

  app.post(
    '/api/v1/automations',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Create a rule (disabled: dry-run it, then enable it)',
        body: ZRuleInput,
        response: { 201: ZRule, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toRule(await createRule(db, tenantId, actor, request.body));
    },
  );

  app.get(
    '/api/v1/automations/:id',
    {
      config: { access: read },
      schema: { tags, summary: 'One rule', params: ZId, response: { 200: ZRule, ...errors } },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toRule(await getRule(db, tenantId, request.params.id));
    },
  );

  app.put(
    '/api/v1/automations/:id',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: "Replace a rule's definition (an enabled rule stays enabled)",
        params: ZId,
        body: ZRuleInput,
        response: { 200: ZRule, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toRule(await updateRule(db, tenantId, actor, request.params.id, request.body));
    },
  );

  app.delete(
    '/api/v1/automations/:id',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Delete a rule and its history',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await deleteRule(db, tenantId, actor, request.params.id);
      reply.code(204);
      return null;
    },
  );

  for (const [path, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(
      `/api/v1/automations/:id/${path}`,
      {
        config: { access: manage },
        schema: {
          tags,
          summary: enabled
            ? 'Enable a rule (it acts from the next sweep)'
            : 'Disable a rule (pending runs are skipped)',
          params: ZId,
          response: { 200: ZRule, ...errors },
        },
      },
      async (request) => {
        const { tenantId, ...actor } = tenantActor(request);
        return toRule(await setRuleEnabled(db, tenantId, actor, request.params.id, enabled));
      },
    );
  }

  app.post(
    '/api/v1/automations/:id/dry-run',
    {
      config: { access: read },
      schema: {
        tags,
        summary: 'Who the rule would act on now (nothing is written or sent)',
        params: ZId,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                contactId: z.uuid(),
                name: z.string().nullable(),
                windowKey: z.string(),
                at: z.iso.datetime(),
                alreadyDone: z.boolean(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const entries = await dryRun(db, tenantId, request.params.id, request.query.limit);
      return {
        items: entries.map((e) => ({
          contactId: e.contactId,
          name: e.name,
          windowKey: e.windowKey,
          at: new Date(e.at).toISOString(),
          alreadyDone: e.alreadyDone,
        })),
      };
    },
  );

  app.get(
    '/api/v1/automations/:id/runs',
    {
      config: { access: read },
      schema: {
        tags,
        summary: "A rule's runs (one per contact and window), newest first",
        params: ZId,
        querystring: z.strictObject({
          ...ZPageParams,
          status: z.enum(['pending', 'done', 'skipped', 'failed']).optional(),
        }),
        response: { 200: ZPage(ZRun), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { cursor, limit, status } = request.query;
      return pageBody(
        await pageOfRuns(db, tenantId, request.params.id, { limit, after: cursor, status }),
        toRun,
      );
    },
  );
};
