import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { haltAutomations, type KillSwitch, readKillSwitch, resumeAutomations } from './kill-switch.js';

const ZKillSwitch = z
  .object({
    halted: z.boolean().describe('true: the bot, campaigns and automations are stopped'),
    haltedAt: z.iso.datetime().nullable(),
    haltedByUserId: z.uuid().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'AutomationKillSwitch' });

const toBody = (state: KillSwitch): z.infer<typeof ZKillSwitch> => ({
  halted: state.halted,
  haltedAt: state.haltedAt?.toISOString() ?? null,
  haltedByUserId: state.haltedByUserId,
  reason: state.reason,
});

const URL = '/api/v1/automations/kill-switch';
const errors = errorResponses(400, 401, 403);

/** The workspace's kill switch: read it, pull it (anyone), lift it (admins). */
export const killSwitchRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    URL,
    {
      config: { access: { permission: 'automations.read', apiKeyScope: 'admin' } },
      schema: {
        tags: ['automations'],
        summary: 'Whether the kill switch stops the bot, campaigns and automations',
        response: { 200: ZKillSwitch, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toBody(await withTenant(db, tenantId, readKillSwitch));
    },
  );

  app.post(
    URL,
    {
      config: { access: { permission: 'automations.halt', apiKeyScope: 'admin' } },
      schema: {
        tags: ['automations'],
        summary: 'Pull the kill switch: the bot, campaigns and automations stop at once',
        body: z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional(),
        response: { 200: ZKillSwitch, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const reason = request.body?.reason ?? null;
      return toBody(await withTenant(db, tenantId, (trx) => haltAutomations(trx, tenantId, actor, reason)));
    },
  );

  app.delete(
    URL,
    {
      config: { access: { permission: 'automations.manage', apiKeyScope: 'admin' } },
      schema: {
        tags: ['automations'],
        summary: 'Lift the kill switch: the bot and automations run again (paused campaigns wait for resume)',
        response: { 200: ZKillSwitch, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toBody(await withTenant(db, tenantId, (trx) => resumeAutomations(trx, tenantId, actor)));
    },
  );
};
