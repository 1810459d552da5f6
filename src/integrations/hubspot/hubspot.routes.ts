import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { ZMappingUpdate, ZNewHubspotConnection } from './connection.fields.js';
import {
  connectHubspot,
  disconnectHubspot,
  findHubspotConnection,
  updateHubspotMapping,
} from './connection.service.js';
import type { HubspotClient } from './hubspot.client.js';
import type { HubspotConnection } from './hubspot.table.js';
import { hubspotSyncStatus } from './sync-status.js';

const ZConnection = z
  .object({
    portalId: z.string(),
    mapping: z.record(z.string(), z.string()),
    ownership: z.record(z.string(), z.enum(['leadline', 'hubspot'])),
    webhooks: z.boolean().describe('Whether inbound webhooks are set up (a client secret is stored)'),
    verifiedAt: z.iso.datetime(),
  })
  .meta({ id: 'HubspotConnection' });
const ZSyncStatus = z
  .object({
    portalId: z.string(),
    lastSyncAt: z.iso.datetime().nullable(),
    syncedTotal: z.number().int(),
    backlog: z.number().int(),
    errors: z.array(
      z.object({
        kind: z.enum(['contact', 'deal']),
        refId: z.uuid(),
        error: z.string(),
        attempts: z.number().int(),
        since: z.iso.datetime(),
      }),
    ),
  })
  .meta({ id: 'HubspotSyncStatus' });

const access = { permission: 'contacts.settings', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409, 502);
const tags = ['hubspot'];

/** The token is write-only: no response carries it. */
function toConnection(connection: HubspotConnection): z.infer<typeof ZConnection> {
  return {
    portalId: String(connection.portalId),
    mapping: connection.mapping,
    ownership: connection.ownership,
    webhooks: connection.webhookSecretSealed !== null,
    verifiedAt: connection.verifiedAt.toISOString(),
  };
}

export interface HubspotRoutesOptions {
  db: Db;
  config: Config;
  client: HubspotClient;
}

export const hubspotRoutes: FastifyPluginAsyncZod<HubspotRoutesOptions> = async (
  app,
  { db, config, client },
) => {
  app.put(
    '/api/v1/hubspot/connection',
    {
      config: { access },
      schema: {
        tags,
        summary:
          'Connect the workspace’s HubSpot account with a private-app token (checked with HubSpot first)',
        body: ZNewHubspotConnection,
        response: { 200: ZConnection, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const saved = await connectHubspot(db, config, client, tenantId, actor, request.body);
      reply.header('cache-control', 'no-store');
      return toConnection(saved);
    },
  );

  app.get(
    '/api/v1/hubspot/connection',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The HubSpot connection (no secrets)',
        response: { 200: ZConnection, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const connection = await withTenant(db, tenantId, findHubspotConnection);
      if (!connection) throw new AppError('not_found', 'HubSpot is not connected');
      return toConnection(connection);
    },
  );

  app.delete(
    '/api/v1/hubspot/connection',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Disconnect HubSpot (forgets its token and the pending sync)',
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await disconnectHubspot(db, tenantId, actor);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/v1/hubspot/mapping',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Map Leadline fields and custom fields to HubSpot contact properties (checked with HubSpot)',
        body: ZMappingUpdate,
        response: { 200: ZConnection, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return toConnection(await updateHubspotMapping(db, config, client, tenantId, actor, request.body));
    },
  );

  app.get(
    '/api/v1/hubspot/sync',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The sync: last sync, backlog, and the records HubSpot refused',
        response: { 200: ZSyncStatus, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const status = await hubspotSyncStatus(db, tenantId);
      return {
        ...status,
        lastSyncAt: status.lastSyncAt?.toISOString() ?? null,
        errors: status.errors.map((error) => ({ ...error, since: error.since.toISOString() })),
      };
    },
  );
};
