import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine } from '../platform/http/text-fields.js';
import {
  createLeadSource,
  type LeadSourceSummary,
  listLeadSources,
  rotateLeadSourceSecret,
  setLeadSourceEnabled,
} from './lead-sources.service.js';
import { LEAD_SOURCE_KINDS } from './lead-sources.table.js';

const ZLeadSource = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(LEAD_SOURCE_KINDS),
    /** Where the source's deliveries go (no secret in it). */
    endpoint: z.string(),
    phantombusterAgentId: z.string().nullable(),
    defaultCountry: z.string().nullable(),
    enabled: z.boolean(),
    /** Set after a rotation: the previous secret keeps verifying until then. */
    previousSecretExpiresAt: z.iso.datetime().nullable(),
    lastReceivedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'LeadSource' });
const ZIssuedLeadSource = ZLeadSource.extend({
  secret: z.string().nullable().describe('The signing secret. Shown only in this response; store it now.'),
}).meta({ id: 'IssuedLeadSource' });

const ZCreate = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('webhook'), name: ZLine(100) }),
  z.strictObject({
    kind: z.literal('phantombuster'),
    name: ZLine(100),
    agentId: z.string().regex(/^[0-9]{1,30}$/, 'must be the Phantom’s numeric agent id'),
    apiKey: z.string().regex(/^[\x21-\x7e]{8,200}$/, 'must be a Phantombuster API key'),
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .nullable()
      .default(null),
  }),
]);

const ZId = z.object({ id: z.uuid() });
const access = { permission: 'contacts.settings' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

/**
 * Lead sources of a workspace, for its owners and admins, by session only (like API keys: a leaked key
 * must not mint secrets). Secrets are returned once, on create and rotate, with `no-store`.
 */
export const leadSourcesRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const view = (source: LeadSourceSummary): z.infer<typeof ZLeadSource> => ({
    id: source.id,
    name: source.name,
    kind: source.kind,
    endpoint: `${config.http.publicUrl}/api/v1/public/lead-sources/${source.id}/${
      source.kind === 'webhook' ? 'leads' : 'phantombuster'
    }`,
    phantombusterAgentId: source.phantombusterAgentId,
    defaultCountry: source.defaultCountry,
    enabled: source.disabledAt === null,
    previousSecretExpiresAt: source.previousSecretExpiresAt?.toISOString() ?? null,
    lastReceivedAt: source.lastReceivedAt?.toISOString() ?? null,
    createdAt: source.createdAt.toISOString(),
  });

  app.post(
    '/api/v1/lead-sources',
    {
      config: { access },
      schema: {
        tags: ['lead-sources'],
        summary: 'Create a lead source (a webhook source’s secret is returned once)',
        body: ZCreate,
        response: { 201: ZIssuedLeadSource, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { source, secret } = await createLeadSource(db, config, tenantId, actor, request.body);
      reply.code(201).header('cache-control', 'no-store');
      return { ...view(source), secret };
    },
  );

  app.get(
    '/api/v1/lead-sources',
    {
      config: { access },
      schema: {
        tags: ['lead-sources'],
        summary: 'List the workspace’s lead sources (no secrets)',
        response: { 200: z.object({ items: z.array(ZLeadSource) }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return { items: (await listLeadSources(db, tenantId)).map(view) };
    },
  );

  app.post(
    '/api/v1/lead-sources/:id/rotate-secret',
    {
      config: { access },
      schema: {
        tags: ['lead-sources'],
        summary: 'Replace a webhook source’s secret; the previous one verifies for 24 more hours',
        params: ZId,
        response: { 201: ZIssuedLeadSource, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { source, secret } = await rotateLeadSourceSecret(db, config, tenantId, actor, request.params.id);
      reply.code(201).header('cache-control', 'no-store');
      return { ...view(source), secret };
    },
  );

  for (const [action, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    app.post(
      `/api/v1/lead-sources/:id/${action}`,
      {
        config: { access },
        schema: {
          tags: ['lead-sources'],
          summary: enabled ? 'Accept deliveries again' : 'Refuse the source’s deliveries (404) until enabled',
          params: ZId,
          response: { 200: ZLeadSource, ...errors },
        },
      },
      async (request) => {
        const { tenantId, ...actor } = tenantActor(request);
        return view(await setLeadSourceEnabled(db, tenantId, actor, request.params.id, enabled));
      },
    );
  }
};
