import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import contentDisposition from 'content-disposition';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/app-error.js';
import { pageBody, ZCursor, ZPage } from '../../platform/http/cursor.js';
import { errorResponses } from '../../platform/http/error-envelope.js';
import { multipartError } from '../../platform/http/multipart-errors.js';
import { tenantActor } from '../../platform/http/request-context.js';
import { ZLine } from '../../platform/http/text-fields.js';
import { exportContactsCsv } from './contacts-export.js';
import { csvLine } from './csv-out.js';
import {
  cancelImport,
  createImport,
  getImport,
  type ImportView,
  importHeaders,
  listImports,
  listSavedMappings,
  rejectedRowsPage,
  requestUndo,
  startImport,
} from './imports.service.js';
import type { ContactImport } from './imports.table.js';

/** The largest CSV accepted (HubSpot's importer takes 512 MB; a million contacts is about 100 MB). */
export const IMPORT_MAX_BYTES = 256 * 1024 * 1024;

const ZStatus = z.enum([
  'uploaded',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'undoing',
  'undone',
]);
const ZMapping = z
  .record(z.string().regex(/^[0-9]{1,3}$/), z.string().min(1).max(100))
  .refine((mapping) => Object.keys(mapping).length <= 200, 'too many columns');

const ZImportFields = z.object({
  id: z.uuid(),
  fileName: z.string(),
  sizeBytes: z.number(),
  encoding: z.string(),
  delimiter: z.string(),
  headers: z.array(z.string()),
  status: ZStatus,
  error: z.string().nullable(),
  mapping: z.record(z.string(), z.string()).nullable(),
  policy: z.enum(['skip', 'fill', 'overwrite']).nullable(),
  progress: z.object({
    bytesDone: z.number(),
    rowsRead: z.number(),
    created: z.number(),
    updated: z.number(),
    duplicates: z.number(),
    unchanged: z.number(),
    rejected: z.number(),
    /** Rows read per second since the job started. */
    rowsPerSecond: z.number(),
    /** Seconds left at the current rate (null when not running). */
    etaSeconds: z.number().nullable(),
    /** 0..1, by bytes read. */
    fraction: z.number(),
  }),
  preview: z.object({ headers: z.array(z.string()), rows: z.array(z.array(z.string())) }).nullable(),
  suggestedMapping: z.record(z.string(), z.string()),
  targets: z.array(z.object({ key: z.string(), label: z.string() })),
  defaultCountry: z.string().nullable(),
  undoUntil: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
const ZImport = ZImportFields.meta({ id: 'ContactImport' });
const ZImportSummary = ZImportFields.pick({
  id: true,
  fileName: true,
  status: true,
  error: true,
  policy: true,
  progress: true,
  undoUntil: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
}).meta({ id: 'ContactImportSummary' });

function progressOf(row: ContactImport) {
  const rowsRead = Number(row.rowsRead);
  const size = Number(row.sizeBytes);
  const bytesDone = Number(row.bytesDone);
  const end = row.finishedAt ?? new Date();
  const seconds = row.startedAt ? Math.max(0.001, (end.getTime() - row.startedAt.getTime()) / 1000) : 0;
  const rowsPerSecond = seconds > 0 ? Math.round(rowsRead / seconds) : 0;
  const fraction = row.status === 'completed' ? 1 : size > 0 ? Math.min(1, bytesDone / size) : 0;
  const etaSeconds =
    row.status === 'running' && fraction > 0 ? Math.round((seconds * (1 - fraction)) / fraction) : null;
  return {
    bytesDone,
    rowsRead,
    created: Number(row.rowsCreated),
    updated: Number(row.rowsUpdated),
    duplicates: Number(row.rowsDuplicate),
    unchanged: Number(row.rowsUnchanged),
    rejected: Number(row.rowsRejected),
    rowsPerSecond,
    etaSeconds,
    fraction,
  };
}

function toImport(
  view: Omit<ImportView, 'preview'> & { preview?: ImportView['preview'] },
): z.infer<typeof ZImport> {
  const row = view.contactImport;
  return {
    id: row.id,
    fileName: row.fileName,
    sizeBytes: Number(row.sizeBytes),
    encoding: row.encoding,
    delimiter: row.delimiter,
    headers: row.headers,
    status: row.status,
    error: row.error,
    mapping: row.mapping,
    policy: row.policy,
    progress: progressOf(row),
    preview: view.preview ?? null,
    suggestedMapping: view.suggestedMapping,
    targets: view.targets,
    defaultCountry: view.defaultCountry,
    undoUntil: new Date(row.createdAt.getTime() + 30 * 86_400_000).toISOString(),
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

const ZId = z.strictObject({ id: z.uuid() });
const errors = errorResponses(400, 401, 403, 404, 409, 413, 415);
const importAccess = { permission: 'contacts.import', apiKeyScope: 'contacts:write' } as const;

/** CSV import of contacts (upload, preview, mapping, job, progress, rejected rows, undo) and CSV export. */
export const contactImportsRoutes: FastifyPluginAsyncZod<{ db: Db; blobs: BlobStore }> = async (
  app,
  { db, blobs },
) => {
  await app.register(multipart, {
    limits: {
      fileSize: IMPORT_MAX_BYTES,
      files: 1,
      fields: 0,
      parts: 1,
      headerPairs: 20,
      fieldNameSize: 100,
    },
    throwFileSizeLimit: true,
  });

  app.post(
    '/api/v1/contact-imports',
    {
      config: { access: importAccess },
      schema: {
        tags: ['contacts'],
        summary:
          'Upload a CSV file of contacts (multipart, one file); answers with its preview and a suggested mapping',
        consumes: ['multipart/form-data'],
        response: { 201: ZImport, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      if (!request.isMultipart())
        throw new AppError('unsupported_media_type', 'Send the file as multipart/form-data');
      let file: Awaited<ReturnType<typeof request.file>>;
      try {
        file = await request.file();
      } catch (error) {
        throw multipartError(error, IMPORT_MAX_BYTES);
      }
      if (!file) throw new AppError('bad_request', 'No file in the upload');
      let view: ImportView;
      try {
        view = await createImport(
          db,
          blobs,
          tenantId,
          { ...actor },
          { fileName: file.filename, content: file.file },
        );
      } catch (error) {
        throw multipartError(error, IMPORT_MAX_BYTES);
      }
      reply.code(201);
      return toImport(view);
    },
  );

  app.get(
    '/api/v1/contact-imports',
    {
      config: { access: importAccess },
      schema: {
        tags: ['contacts'],
        summary: "The workspace's imports, newest first (keyset pages)",
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          cursor: ZCursor.optional(),
        }),
        response: {
          200: ZPage(ZImportSummary),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      reply.header('cache-control', 'no-store');
      const page = await listImports(db, tenantId, request.query.limit, request.query.cursor);
      return pageBody(page, (row) => {
        const { id, fileName, status, error, policy, progress, undoUntil, createdAt, startedAt, finishedAt } =
          toImport({ contactImport: row, suggestedMapping: {}, targets: [], defaultCountry: null });
        return { id, fileName, status, error, policy, progress, undoUntil, createdAt, startedAt, finishedAt };
      });
    },
  );

  app.get(
    '/api/v1/contact-imports/:id',
    {
      config: { access: importAccess },
      schema: {
        tags: ['contacts'],
        summary: "An import's state and progress (and its first rows while it awaits a mapping)",
        params: ZId,
        response: { 200: ZImport, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      reply.header('cache-control', 'no-store');
      return toImport(await getImport(db, blobs, tenantId, request.params.id));
    },
  );

  app.post(
    '/api/v1/contact-imports/:id/start',
    {
      config: { access: importAccess },
      schema: {
        tags: ['contacts'],
        summary:
          'Start an uploaded import with a mapping (column index -> target), a dedupe policy and a default country',
        params: ZId,
        body: z.strictObject({
          mapping: ZMapping,
          policy: z.enum(['skip', 'fill', 'overwrite']),
          defaultCountry: z
            .string()
            .regex(/^[A-Z]{2}$/, 'a two-letter country code (ISO 3166-1), e.g. IT')
            .nullable()
            .default(null),
          saveMappingAs: ZLine(100).optional(),
        }),
        response: { 202: ZImport, ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      await startImport(db, tenantId, actor, request.params.id, request.body);
      reply.code(202);
      return toImport(await getImport(db, blobs, tenantId, request.params.id));
    },
  );

  for (const [action, run] of [
    ['cancel', cancelImport],
    ['undo', requestUndo],
  ] as const) {
    app.post(
      `/api/v1/contact-imports/:id/${action}`,
      {
        config: { access: importAccess },
        schema: {
          tags: ['contacts'],
          summary:
            action === 'cancel'
              ? 'Cancel an import (stops after the current chunk)'
              : 'Undo a finished import within 30 days (created contacts removed, updated ones restored)',
          params: ZId,
          response: { 202: ZImport, ...errors },
        },
      },
      async (request, reply) => {
        const { tenantId, ...actor } = tenantActor(request);
        await run(db, tenantId, actor, request.params.id);
        reply.code(202);
        return toImport(await getImport(db, blobs, tenantId, request.params.id));
      },
    );
  }

  app.get(
    '/api/v1/contact-imports/:id/rejects.csv',
    {
      config: { access: importAccess },
      schema: {
        tags: ['contacts'],
        summary: "The import's rejected rows as CSV: line number, reason, then the row's cells",
        params: ZId,
        response: { 200: z.any().describe('text/csv'), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId } = tenantActor(request);
      const importId = request.params.id;
      const headers = await importHeaders(db, tenantId, importId);
      async function* lines() {
        yield csvLine(['line', 'reason', ...headers]);
        let after = 0;
        for (;;) {
          const page = await rejectedRowsPage(db, tenantId, importId, after, 2000);
          if (page.length === 0) return;
          yield page.map((row) => csvLine([row.line, row.reason, ...row.cells])).join('');
          after = page[page.length - 1]?.line ?? after;
        }
      }
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', contentDisposition(`rejected-rows-${importId}.csv`))
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(lines()));
    },
  );

  app.get(
    '/api/v1/contact-import-mappings',
    {
      config: { access: importAccess },
      schema: {
        tags: ['contacts'],
        summary: "The workspace's saved import mappings",
        response: {
          200: z.object({
            items: z.array(
              z.object({ id: z.uuid(), name: z.string(), mapping: z.record(z.string(), z.string()) }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantActor(request);
      const items = await listSavedMappings(db, tenantId);
      return { items: items.map(({ id, name, mapping }) => ({ id, name, mapping })) };
    },
  );

  app.get(
    '/api/v1/contacts/export.csv',
    {
      config: { access: { permission: 'contacts.export', apiKeyScope: 'contacts:read' } },
      schema: {
        tags: ['contacts'],
        summary: 'Contacts as CSV, streamed (optionally only those matching a search, or from one import)',
        querystring: z.strictObject({
          q: ZLine(100).optional(),
          importId: z.uuid().optional(),
        }),
        response: { 200: z.any().describe('text/csv'), ...errors },
      },
    },
    async (request, reply) => {
      const { tenantId, ...actor } = tenantActor(request);
      const stream = await exportContactsCsv(db, tenantId, actor, request.query);
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', contentDisposition('contacts.csv'))
        .header('cache-control', 'no-store');
      return reply.send(stream);
    },
  );
};
