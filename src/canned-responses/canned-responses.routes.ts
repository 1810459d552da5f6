import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine, ZText } from '../platform/http/text-fields.js';
import {
  changeCannedResponse,
  createCannedResponse,
  findCannedResponses,
  removeCannedResponse,
} from './canned-responses.service.js';
import type { CannedResponse } from './canned-responses.table.js';

const ZCannedResponse = z
  .object({
    id: z.uuid(),
    shortcut: z.string(),
    text: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'CannedResponse' });

function toCannedResponse(item: CannedResponse): z.infer<typeof ZCannedResponse> {
  return {
    id: item.id,
    shortcut: item.shortcut,
    text: item.text,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
  };
}

const ZInput = z.strictObject({
  shortcut: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'lower-case letters, digits, _ and -, at most 32'),
  text: ZText(4096),
});
const ZId = z.strictObject({ id: z.uuid() });
const read = { permission: 'conversations.read', apiKeyScope: 'messages:read' } as const;
const manage = { permission: 'canned-responses.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

/** Replies saved under a shortcut (`/` in the composer): everyone uses them, admins curate them. */
export const cannedResponsesRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/canned-responses',
    {
      config: { access: read },
      schema: {
        tags: ['canned-responses'],
        summary: 'Canned responses by shortcut; q matches a shortcut prefix or part of the text',
        querystring: z.strictObject({ q: ZLine(100).optional() }),
        response: { 200: z.object({ items: z.array(ZCannedResponse) }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const items = await findCannedResponses(db, tenantId, request.query.q);
      return { items: items.map(toCannedResponse) };
    },
  );

  app.post(
    '/api/v1/canned-responses',
    {
      config: { access: manage },
      schema: {
        tags: ['canned-responses'],
        summary: 'Save a canned response (shortcuts are unique)',
        body: ZInput,
        response: { 201: ZCannedResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toCannedResponse(await createCannedResponse(db, tenantId, actor, request.body));
    },
  );

  app.patch(
    '/api/v1/canned-responses/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['canned-responses'],
        summary: "Change a canned response's shortcut or text",
        params: ZId,
        body: ZInput.partial().refine((body) => Object.keys(body).length > 0, 'nothing to change'),
        response: { 200: ZCannedResponse, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toCannedResponse(
        await changeCannedResponse(db, tenantId, actor, request.params.id, request.body),
      );
    },
  );

  app.delete(
    '/api/v1/canned-responses/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['canned-responses'],
        summary: 'Delete a canned response',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await removeCannedResponse(db, tenantId, actor, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
