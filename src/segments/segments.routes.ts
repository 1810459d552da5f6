import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../platform/db/database.js';
import { pageBody, ZPage, ZPageQuery } from '../platform/http/cursor.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine } from '../platform/http/text-fields.js';
import { segmentFilterSchema } from './audience.js';
import { AUDIENCE_CHANNELS, EXCLUSION_REASONS } from './eligibility.js';
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  type SegmentView,
  updateSegment,
} from './segments.service.js';

const ZSegment = z
  .object({
    id: z.uuid(),
    name: z.string(),
    filter: segmentFilterSchema,
    createdByUserId: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Segment' });

function toSegment(segment: SegmentView): z.infer<typeof ZSegment> {
  return {
    ...segment,
    createdAt: segment.createdAt.toISOString(),
    updatedAt: segment.updatedAt.toISOString(),
  };
}

const ZName = ZLine(100).pipe(z.string().min(1, 'a name is required'));
const ZInput = z.strictObject({ name: ZName, filter: segmentFilterSchema });
const ZId = z.strictObject({ id: z.uuid() });
const ZReason = z.enum(EXCLUSION_REASONS);
const ZPreview = z
  .object({
    total: z.int(),
    eligible: z.int(),
    excluded: z.record(ZReason, z.int()),
    excludedByCaller: z.int(),
    sample: z.array(
      z.object({
        id: z.uuid(),
        name: z.string().nullable(),
        phoneE164: z.string(),
        email: z.string().nullable(),
        reason: ZReason.nullable(),
      }),
    ),
  })
  .meta({ id: 'SegmentPreview' });

const read = { permission: 'contacts.read', apiKeyScope: 'contacts:read' } as const;
const write = { permission: 'contacts.write', apiKeyScope: 'contacts:write' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

/** Segments: saved filters over contacts, and the audience preview campaigns and automations rely on. */
export const segmentsRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/api/v1/segments',
    {
      config: { access: read },
      schema: {
        tags: ['segments'],
        summary: 'Saved segments, newest first',
        querystring: ZPageQuery,
        response: {
          200: ZPage(ZSegment),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor } = request.query;
      return pageBody(await listSegments(db, tenantId, { limit, after: cursor }), toSegment);
    },
  );

  app.post(
    '/api/v1/segments',
    {
      config: { access: write },
      schema: {
        tags: ['segments'],
        summary: 'Save a segment (names are unique per workspace)',
        body: ZInput,
        response: { 201: ZSegment, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      reply.code(201);
      return toSegment(await createSegment(db, tenantId, actor, request.body));
    },
  );

  app.post(
    '/api/v1/segments/preview',
    {
      config: { access: read },
      schema: {
        tags: ['segments'],
        summary: 'Audience of a filter on a channel: counts, exclusions by reason and the first contacts',
        body: z.strictObject({
          filter: segmentFilterSchema,
          channel: z.enum(AUDIENCE_CHANNELS),
          sampleSize: z.int().min(0).max(50).default(10),
        }),
        response: { 200: ZPreview, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      reply.header('cache-control', 'no-store');
      return previewSegment(db, tenantId, request.body);
    },
  );

  app.get(
    '/api/v1/segments/:id',
    {
      config: { access: read },
      schema: {
        tags: ['segments'],
        summary: 'One segment',
        params: ZId,
        response: { 200: ZSegment, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toSegment(await getSegment(db, tenantId, request.params.id));
    },
  );

  app.patch(
    '/api/v1/segments/:id',
    {
      config: { access: write },
      schema: {
        tags: ['segments'],
        summary: 'Rename a segment or change its filter',
        params: ZId,
        body: ZInput.partial().refine((body) => Object.keys(body).length > 0, 'nothing to change'),
        response: { 200: ZSegment, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toSegment(await updateSegment(db, tenantId, actor, request.params.id, request.body));
    },
  );

  app.delete(
    '/api/v1/segments/:id',
    {
      config: { access: write },
      schema: {
        tags: ['segments'],
        summary: 'Delete a segment (refused while a campaign uses it)',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await deleteSegment(db, tenantId, actor, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
