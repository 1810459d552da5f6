import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine } from '../platform/http/text-fields.js';
import { changeLabel, createLabel, removeLabel, tenantLabels } from './labels.service.js';
import type { Label } from './labels.table.js';

export const ZLabel = z
  .object({ id: z.uuid(), name: z.string(), color: z.string().regex(/^#[0-9a-f]{6}$/) })
  .meta({ id: 'Label' });

export function toLabel(label: Label): z.infer<typeof ZLabel> {
  return { id: label.id, name: label.name, color: label.color };
}

const ZColor = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
  .transform((value) => value.toLowerCase());
const ZLabelInput = z.strictObject({ name: ZLine(50), color: ZColor });
const ZId = z.strictObject({ id: z.uuid() });
const read = { permission: 'conversations.read', apiKeyScope: 'messages:read' } as const;
const manage = { permission: 'labels.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

/** The tenant's labels: everyone working conversations reads them, admins curate them. */
export const labelsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/labels',
    {
      config: { access: read },
      schema: {
        tags: ['labels'],
        summary: 'Labels, by name',
        response: { 200: z.object({ items: z.array(ZLabel) }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return { items: (await tenantLabels(db, tenantId)).map(toLabel) };
    },
  );

  app.post(
    '/api/v1/labels',
    {
      config: { access: manage },
      schema: {
        tags: ['labels'],
        summary: 'Create a label (names are unique, case-insensitively)',
        body: ZLabelInput,
        response: { 201: ZLabel, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toLabel(await createLabel(db, tenantId, actor, request.body));
    },
  );

  app.patch(
    '/api/v1/labels/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['labels'],
        summary: 'Rename or recolour a label',
        params: ZId,
        body: ZLabelInput.partial().refine((body) => Object.keys(body).length > 0, 'nothing to change'),
        response: { 200: ZLabel, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toLabel(await changeLabel(db, tenantId, actor, request.params.id, request.body));
    },
  );

  app.delete(
    '/api/v1/labels/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['labels'],
        summary: 'Delete a label (it leaves every conversation)',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await removeLabel(db, tenantId, actor, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
