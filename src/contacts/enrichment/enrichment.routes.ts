import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/app-error.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { contactEnrichment, getEnrichmentSettings, updateEnrichmentSettings } from './enrichment.service.js';

const ZSettings = z
  .object({
    enabled: z.boolean(),
    monthlyBudget: z.number().int(),
    usedThisMonth: z.number().int(),
    provider: z.string(),
    available: z.boolean(),
  })
  .meta({ id: 'EnrichmentSettings' });

const ZEnrichment = z
  .object({
    provider: z.string(),
    domain: z.string(),
    status: z.enum(['found', 'not_found']),
    fields: z.record(z.string(), z.unknown()),
    fetchedAt: z.iso.datetime(),
  })
  .meta({ id: 'ContactEnrichment' });

const errors = errorResponses(400, 401, 403, 404, 409);

/** Company enrichment: the workspace's switch and monthly budget, and what was found for a contact. */
export const enrichmentRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  app.get(
    '/api/v1/enrichment/settings',
    {
      config: { access: { permission: 'contacts.settings' } },
      schema: {
        tags: ['enrichment'],
        summary: 'Enrichment on or off, the monthly budget and this month’s calls',
        response: { 200: ZSettings, ...errors },
      },
    },
    async (request) => getEnrichmentSettings(db, config, tenantActor(request).tenantId),
  );

  app.put(
    '/api/v1/enrichment/settings',
    {
      config: { access: { permission: 'contacts.settings' } },
      schema: {
        tags: ['enrichment'],
        summary: 'Turn enrichment on or off and set its monthly budget (provider calls)',
        body: z.strictObject({ enabled: z.boolean(), monthlyBudget: z.number().int().min(0).max(1_000_000) }),
        response: { 200: ZSettings, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return updateEnrichmentSettings(db, config, tenantId, actor, request.body);
    },
  );

  app.get(
    '/api/v1/contacts/:id/enrichment',
    {
      config: { access: { permission: 'contacts.read' } },
      schema: {
        tags: ['enrichment'],
        summary: 'What the enrichment provider said about the contact’s company, with its provenance',
        params: z.object({ id: z.uuid() }),
        response: { 200: ZEnrichment, ...errors },
      },
    },
    async (request) => {
      const found = await contactEnrichment(db, tenantActor(request).tenantId, request.params.id);
      if (!found) throw new AppError('not_found', 'No enrichment for this contact');
      return {
        provider: found.provider,
        domain: found.domain,
        status: found.status,
        fields: found.fields,
        fetchedAt: found.fetchedAt.toISOString(),
      };
    },
  );
};
