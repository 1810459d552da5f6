import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZEmail } from '../accounts/email-address.js';
import { auditChange } from '../audit/audit.repository.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { errorResponses } from '../platform/http/error-envelope.js';
import { tenantActor } from '../platform/http/request-context.js';
import { collectContactExport, contactExportZip } from './contact-export.js';
import { findErasure, requestErasure } from './erasure.service.js';
import type { ErasureRow } from './privacy.table.js';
import { retentionPolicy, saveRetentionPolicy } from './retention.repository.js';
import { lastRetentionRun } from './retention.service.js';

const access = { permission: 'privacy.manage', apiKeyScope: 'admin' } as const;
const errors = errorResponses(400, 401, 403, 404, 409);

const ZDays = z.number().int().min(1).max(36_500).nullable();
const ZRetention = z
  .strictObject({
    days: z.strictObject({
      messages: ZDays,
      media: ZDays,
      webhookEvents: ZDays,
      callRecords: ZDays,
      llmCalls: ZDays,
      closedConversations: ZDays,
      auditPseudonymise: ZDays,
    }),
    keepAcceptedQuotes: z.boolean(),
  })
  .meta({ id: 'RetentionPolicy' });

const ZRetentionRun = z
  .object({ ranAt: z.iso.datetime().nullable(), removed: z.record(z.string(), z.number()) })
  .meta({ id: 'RetentionRun' });

const ZErasure = z
  .object({
    id: z.uuid(),
    contactId: z.uuid(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    progress: z.record(z.string(), z.number()),
    verifiedClean: z.boolean().nullable(),
    failure: z.string().nullable(),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Erasure' });

const toErasure = (row: ErasureRow): z.infer<typeof ZErasure> => ({
  id: row.id,
  contactId: row.contactId,
  status: row.status,
  progress: row.progress,
  verifiedClean: row.verifiedClean,
  failure: row.failure,
  createdAt: row.createdAt.toISOString(),
  finishedAt: row.finishedAt?.toISOString() ?? null,
});

// Exactly one way of naming the person.
const ZErasureRequest = z.union([
  z.strictObject({ contactId: z.uuid() }),
  z.strictObject({ phone: z.string().min(1).max(32) }),
  z.strictObject({ email: ZEmail }),
]);

/** Retention policies, erasure requests and exports of a contact's data (admins and owners). */
export const privacyRoutes: FastifyPluginAsyncZod<{ db: Db; blobs: BlobStore }> = async (
  app,
  { db, blobs },
) => {
  app.get(
    '/api/v1/privacy/retention',
    {
      config: { access },
      schema: {
        tags: ['privacy'],
        summary: "The workspace's retention policy (days per kind of data; null keeps it until erased)",
        response: { 200: ZRetention, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return withTenant(db, tenantId, retentionPolicy);
    },
  );

  app.put(
    '/api/v1/privacy/retention',
    {
      config: { access },
      schema: {
        tags: ['privacy'],
        summary: 'Replace the retention policy; the daily retention job applies it',
        body: ZRetention,
        response: { 200: ZRetention, ...errors },
      },
    },
    async (request) => {
      const { tenantId, ...actor } = tenantActor(request);
      return withTenant(db, tenantId, async (trx) => {
        await saveRetentionPolicy(trx, request.body);
        await auditChange(trx, tenantId, actor, 'privacy.retention_changed', { ...request.body });
        return retentionPolicy(trx);
      });
    },
  );

  app.get(
    '/api/v1/privacy/retention/last-run',
    {
      config: { access },
      schema: {
        tags: ['privacy'],
        summary:
          'When the retention job last ran for the workspace and how many rows of each kind it removed',
        response: { 200: ZRetentionRun, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const run = await withTenant(db, tenantId, lastRetentionRun);
      return { ranAt: run?.ranAt.toISOString() ?? null, removed: run?.removed ?? {} };
    },
  );

  app.post(
    '/api/v1/privacy/erasures',
    {
      config: { access },
      schema: {
        tags: ['privacy'],
        summary: 'Erase a contact (by id, phone or e-mail) in a job; poll the erasure for progress',
        body: ZErasureRequest,
        response: { 202: ZErasure, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const erasure = await requestErasure(db, tenantId, actor, request.body);
      return reply.code(202).send(toErasure(erasure));
    },
  );

  app.get(
    '/api/v1/privacy/erasures/:id',
    {
      config: { access },
      schema: {
        tags: ['privacy'],
        summary: "An erasure's progress and its verification",
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: ZErasure, ...errors },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      return toErasure(await findErasure(db, tenantId, request.params.id));
    },
  );

  app.get(
    '/api/v1/contacts/:id/export',
    {
      config: { access },
      schema: {
        tags: ['privacy'],
        summary: 'Everything stored about a contact, as a ZIP of JSON per kind of data and the media files',
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: z.any().describe('application/zip'), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const data = await withTenant(db, tenantId, async (trx) => {
        const collected = await collectContactExport(trx, request.params.id);
        await auditChange(trx, tenantId, actor, 'privacy.contact_exported', {
          contactId: request.params.id,
          files: [...collected.files.keys()].length,
          media: collected.blobKeys.length,
        });
        return collected;
      });
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="contact-${request.params.id}.zip"`)
        .header('cache-control', 'private, no-store')
        .send(contactExportZip(data, blobs));
    },
  );
};
