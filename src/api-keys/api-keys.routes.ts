import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SCOPES } from '../accounts/permissions.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { ZPageLimit } from '../platform/http/cursor.js';
import { errorResponses, ZErrorEnvelope } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { ZLine } from '../platform/http/text-fields.js';
import type { ApiKeySummary } from './api-keys.repository.js';
import {
  createApiKey,
  getApiKey,
  keyPrefix,
  listTenantApiKeys,
  revokeApiKey,
  rotateApiKey,
} from './api-keys.service.js';

const ZName = ZLine(100);
const ZScopes = z.array(z.enum(SCOPES)).min(1).max(SCOPES.length);
const ZFutureDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const ZId = z.object({ id: z.uuid() });

const ZApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    /** `ll_<publicId>`: enough to recognise a key, useless without the secret. */
    prefix: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    status: z.enum(['active', 'rotating', 'revoked', 'expired']),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    replacedBy: z.uuid().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
    lastUsedIp: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
const ZIssuedApiKey = ZApiKey.extend({
  key: z.string().describe('The full key. Shown only in this response; store it now.'),
}).meta({ id: 'IssuedApiKey' });

function toApiKey(key: ApiKeySummary, now = Date.now()): z.infer<typeof ZApiKey> {
  const status =
    key.revokedAt && key.revokedAt.getTime() <= now
      ? 'revoked'
      : key.expiresAt && key.expiresAt.getTime() <= now
        ? 'expired'
        : key.revokedAt
          ? 'rotating'
          : 'active';
  return {
    id: key.id,
    name: key.name,
    prefix: keyPrefix(key.publicId),
    scopes: key.scopes,
    status,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    replacedBy: key.replacedBy,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    lastUsedIp: key.lastUsedIp,
  };
}

const errors = errorResponses(400, 401, 403, 404);

/**
 * API key management for a workspace's owners and admins, by session only: a leaked key must not be able
 * to mint or take over other keys. `GET /api-keys/self` lets a key describe itself.
 */
export const apiKeysRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  app.post(
    '/api/v1/api-keys',
    {
      config: { access: { permission: 'api-keys.manage' } },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (the full key is returned once)',
        body: z.strictObject({ name: ZName, scopes: ZScopes, expiresAt: ZFutureDate.optional() }),
        response: { 201: ZIssuedApiKey, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const issued = await createApiKey(db, tenantId, actor, {
        name: request.body.name,
        scopes: request.body.scopes,
        expiresAt: request.body.expiresAt ?? null,
      });
      reply.code(201).header('cache-control', 'no-store');
      return { ...toApiKey(issued.summary), key: issued.key };
    },
  );

  app.get(
    '/api/v1/api-keys',
    {
      config: { access: { permission: 'api-keys.manage' } },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys, newest first (no secrets)',
        querystring: z.strictObject({
          limit: ZPageLimit,
          cursor: z.uuid().optional(),
        }),
        response: { 200: z.object({ items: z.array(ZApiKey), nextCursor: z.uuid().nullable() }), ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const { limit, cursor } = request.query;
      const keys = await listTenantApiKeys(db, tenantId, { limit: limit + 1, afterId: cursor });
      const page = keys.slice(0, limit);
      return {
        items: page.map((key) => toApiKey(key)),
        nextCursor: keys.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/api/v1/api-keys/self',
    {
      config: { access: { permission: 'api-keys.manage', apiKeyScope: 'admin' } },
      schema: {
        tags: ['api-keys'],
        summary: 'The API key making this request (needs the admin scope)',
        response: { 200: ZApiKey, ...errors },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal?.kind !== 'api-key') {
        throw new AppError('bad_request', 'This endpoint describes the calling API key; call it with one');
      }
      return toApiKey(await getApiKey(db, principal.tenantId, principal.apiKeyId));
    },
  );

  app.post(
    '/api/v1/api-keys/:id/rotate',
    {
      config: { access: { permission: 'api-keys.manage' } },
      schema: {
        tags: ['api-keys'],
        summary: 'Replace a key; the old one keeps working for a grace period',
        params: ZId,
        body: z
          .strictObject({
            graceHours: z
              .number()
              .min(0)
              .max(24 * 30)
              .optional(),
            expiresAt: ZFutureDate.optional(),
          })
          // A POST without a body (no options) arrives as null.
          .nullish(),
        response: { 201: ZIssuedApiKey, ...errors, 409: ZErrorEnvelope },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const { graceHours, expiresAt } = request.body ?? {};
      const issued = await rotateApiKey(db, tenantId, actor, {
        id: request.params.id,
        graceMs:
          graceHours === undefined
            ? config.accounts.apiKeyRotationGraceMs
            : Math.round(graceHours * 3_600_000),
        expiresAt,
      });
      reply.code(201).header('cache-control', 'no-store');
      return { ...toApiKey(issued.summary), key: issued.key };
    },
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      config: { access: { permission: 'api-keys.manage' } },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke a key, effective immediately',
        params: ZId,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await revokeApiKey(db, tenantId, actor, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
