import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditChange } from '../../audit/audit.repository.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { ZLine } from '../../platform/http/text-fields.js';
import { createStage, deleteStage, listStages, MAX_STAGES, reorderStages, updateStage } from './pipeline.js';
import { PIPELINE_EVENTS, type PipelineStage, STAGE_OUTCOMES } from './pipeline.table.js';

const ZStage = z
  .object({
    id: z.uuid(),
    name: z.string(),
    position: z.number().int(),
    outcome: z.enum(STAGE_OUTCOMES),
    autoEvent: z.enum(PIPELINE_EVENTS).nullable(),
  })
  .meta({ id: 'PipelineStage' });

function toStage(stage: PipelineStage): z.infer<typeof ZStage> {
  return {
    id: stage.id,
    name: stage.name,
    position: stage.position,
    outcome: stage.outcome,
    autoEvent: stage.autoEvent,
  };
}

const ZStageInput = z.strictObject({
  name: ZLine(50),
  outcome: z.enum(STAGE_OUTCOMES).default('open'),
  autoEvent: z
    .enum(PIPELINE_EVENTS)
    .nullable()
    .default(null)
    .describe('Contacts move here (forwards only) when this happens'),
});
const ZStageChange = z
  .strictObject({
    name: ZLine(50).optional(),
    outcome: z.enum(STAGE_OUTCOMES).optional(),
    autoEvent: z.enum(PIPELINE_EVENTS).nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

const ZId = z.strictObject({ id: z.uuid() });
const ZStages = z.object({ items: z.array(ZStage) });
const read = { permission: 'contacts.read', apiKeyScope: 'contacts:read' } as const;
const manage = { permission: 'contacts.settings', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

/** The workspace's pipeline: everyone reads it, admins shape it. */
export const pipelineRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/pipeline/stages',
    {
      config: { access: read },
      schema: {
        tags: ['contacts'],
        summary: "The pipeline's stages in order (the defaults until changed)",
        response: { 200: ZStages, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return { items: (await withTenant(db, tenantId, listStages)).map(toStage) };
    },
  );

  app.post(
    '/api/v1/pipeline/stages',
    {
      config: { access: manage },
      schema: {
        tags: ['contacts'],
        summary: `Add a stage at the end (at most ${MAX_STAGES})`,
        body: ZStageInput,
        response: { 201: ZStage, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const stage = await withTenant(db, tenantId, async (trx) => {
        const created = await createStage(trx, request.body);
        await auditChange(trx, tenantId, actor, 'pipeline.stage_created', { stageId: created.id });
        return created;
      });
      reply.code(201);
      return toStage(stage);
    },
  );

  app.put(
    '/api/v1/pipeline/stages/order',
    {
      config: { access: manage },
      schema: {
        tags: ['contacts'],
        summary: 'Reorder the stages: every stage id, once, in the new order',
        body: z.strictObject({ ids: z.array(z.uuid()).min(1).max(MAX_STAGES) }),
        response: { 200: ZStages, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      const stages = await withTenant(db, tenantId, async (trx) => {
        const ordered = await reorderStages(trx, request.body.ids);
        await auditChange(trx, tenantId, actor, 'pipeline.stages_reordered', {});
        return ordered;
      });
      return { items: stages.map(toStage) };
    },
  );

  app.patch(
    '/api/v1/pipeline/stages/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['contacts'],
        summary: 'Rename a stage or change its outcome or automatic event',
        params: ZId,
        body: ZStageChange,
        response: { 200: ZStage, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toStage(
        await withTenant(db, tenantId, async (trx) => {
          const stage = await updateStage(trx, request.params.id, request.body);
          await auditChange(trx, tenantId, actor, 'pipeline.stage_updated', { stageId: stage.id });
          return stage;
        }),
      );
    },
  );

  app.delete(
    '/api/v1/pipeline/stages/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['contacts'],
        summary: 'Delete a stage; its contacts move to `moveTo` (another stage), or else to the first stage',
        params: ZId,
        querystring: z.strictObject({ moveTo: z.uuid().optional() }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await withTenant(db, tenantId, async (trx) => {
        await deleteStage(trx, request.params.id, request.query.moveTo);
        await auditChange(trx, tenantId, actor, 'pipeline.stage_deleted', { stageId: request.params.id });
      });
      return reply.code(204).send(null);
    },
  );
};
