import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertRecentlyAuthenticated } from '../accounts/auth.service.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import { storedBlobs } from '../platform/blobs/encrypted-blob-store.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { type KeyStatus, keyStatus, rotateDataKey } from './data-keys.service.js';

// Session only (no API key scope): a leaked key must not be able to start a workspace-wide rewrite.
const access = { permission: 'encryption.manage' } as const;
const errors = errorResponses(400, 401, 403, 409);

const ZKeyStatus = z
  .object({
    current: z.number().int().nullable(),
    versions: z.array(
      z.object({
        version: z.number().int(),
        createdAt: z.iso.datetime(),
        values: z.number().int().describe('database values still sealed under this version'),
        blobs: z.number().int().describe('media blobs still sealed under this version'),
      }),
    ),
    legacyValues: z.number().int(),
    legacyBlobs: z.number().int(),
    missingBlobs: z.number().int(),
    reencryption: z
      .object({
        targetVersion: z.number().int(),
        state: z.enum(['running', 'waiting', 'done']),
        position: z.string(),
        rowsRewritten: z.number().int(),
        blobsRewritten: z.number().int(),
        retiredVersions: z.array(z.number().int()),
        startedAt: z.iso.datetime(),
        updatedAt: z.iso.datetime(),
        finishedAt: z.iso.datetime().nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'DataKeyStatus' });

function toKeyStatus(status: KeyStatus): z.infer<typeof ZKeyStatus> {
  const pass = status.reencryption;
  return {
    ...status,
    versions: status.versions.map((entry) => ({ ...entry, createdAt: entry.createdAt.toISOString() })),
    reencryption: pass && {
      ...pass,
      retiredVersions: [...pass.retiredVersions],
      startedAt: pass.startedAt.toISOString(),
      updatedAt: pass.updatedAt.toISOString(),
      finishedAt: pass.finishedAt?.toISOString() ?? null,
    },
  };
}

/** The workspace's data keys (ADR 0036, 0043): status for owners and admins, and rotation. */
export const encryptionRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config; blobs: BlobStore }> = async (
  app,
  { db, config, blobs },
) => {
  const stored = storedBlobs(blobs);

  app.get(
    '/api/v1/encryption/data-keys',
    {
      config: { access },
      schema: {
        tags: ['encryption'],
        summary: 'Data-key versions, values and blobs still on each, and the re-encryption progress',
        response: { 200: ZKeyStatus, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      reply.header('cache-control', 'no-store');
      return toKeyStatus(await keyStatus(db, tenantId, stored));
    },
  );

  app.post(
    '/api/v1/encryption/data-keys/rotate',
    {
      config: { access },
      schema: {
        tags: ['encryption'],
        summary: 'Make a new data-key version for new writes and re-encrypt older values and blobs',
        description:
          'Needs a recent sign-in (POST /api/v1/auth/reauthenticate). Refused (409) while a pass is rewriting.',
        // A POST without a body arrives as null.
        body: z.strictObject({}).nullish(),
        response: { 202: z.object({ version: z.number().int() }), ...errors },
      },
    },
    async (request, reply) => {
      assertRecentlyAuthenticated(request.principal, config);
      const { tenantId, ...actor } = tenantActor(request);
      const version = await rotateDataKey(db, tenantId, actor.context.requestId, actor);
      return reply.code(202).send({ version });
    },
  );
};
