import { CompiledQuery, sql } from 'kysely';
import { type AuditActor, auditChange } from '../../audit/audit.repository.js';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../../platform/http/cursor.js';
import { lineProblem } from '../../platform/http/text-fields.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import {
  type CsvDelimiter,
  type CsvEncoding,
  CsvFormatError,
  type CsvPreview,
  decodeHead,
  detectEncoding,
  previewRows,
  sniffDelimiter,
} from './csv-format.js';
import { deleteImportFile, HEAD_BYTES, readImportFile, storeImportFile } from './import-file.js';
import { importTargets, type SqlRunner, suggestMapping } from './import-targets.js';
import { importContactsTask, undoContactImportTask } from './import-tasks.js';
import type { ContactImport, DedupePolicy } from './imports.table.js';
import './target-providers.js';

/** Undo is offered this long after an import. */
export const UNDO_DAYS = 30;

export interface ImportView {
  contactImport: ContactImport;
  preview: CsvPreview | null;
  suggestedMapping: Record<string, string>;
  targets: { key: string; label: string }[];
  defaultCountry: string | null;
}

/** A file name as shown back (never used as a path): its last segment, one line, at most 200 characters. */
export function displayFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = [...base]
    .filter((char) => lineProblem(char) === undefined)
    .join('')
    .trim();
  return cleaned.slice(0, 200) || 'contacts.csv';
}

/**
 * Stores an uploaded CSV (streamed into the blob store) and reads its head: encoding, delimiter, header
 * and first rows. A file that cannot be read as CSV is refused here (400) and nothing is kept.
 */
export async function createImport(
  db: Db,
  blobs: BlobStore,
  tenantId: string,
  actor: AuditActor,
  upload: { fileName: string | undefined; content: AsyncIterable<Buffer> },
): Promise<ImportView> {
  const stored = await storeImportFile(blobs, tenantId, upload.content);
  let sniffed: { encoding: CsvEncoding; delimiter: CsvDelimiter; preview: CsvPreview };
  try {
    const detected = detectEncoding(stored.head);
    const sample = decodeHead(stored.head, detected);
    const delimiter = sniffDelimiter(sample);
    const preview = previewRows(sample, delimiter, stored.sizeBytes <= HEAD_BYTES);
    sniffed = { encoding: detected.encoding, delimiter, preview };
  } catch (error) {
    await deleteImportFile(blobs, tenantId, stored.parts);
    if (error instanceof CsvFormatError) throw new AppError('bad_request', error.message);
    throw error;
  }
  const contactImport = await withTenant(db, tenantId, async (trx) => {
    const created = await trx
      .insertInto('contactImports')
      .values({
        createdBy: actor.userId,
        fileName: displayFileName(upload.fileName),
        blobParts: stored.parts,
        sizeBytes: stored.sizeBytes,
        encoding: sniffed.encoding,
        delimiter: sniffed.delimiter,
        headers: JSON.stringify(sniffed.preview.headers),
        mapping: null,
        policy: null,
        defaultCountry: null,
        error: null,
        startedAt: null,
        finishedAt: null,
        undoneAt: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditChange(trx, tenantId, actor, 'contacts.import_uploaded', {
      importId: created.id,
      sizeBytes: stored.sizeBytes,
      encoding: sniffed.encoding,
    });
    return created;
  });
  return view(db, tenantId, contactImport, sniffed.preview);
}

/** A tenant transaction as the import target providers' SQL runner (rows as the database names them). */
function runnerOf(trx: TenantTransaction): SqlRunner {
  return async (text, params) =>
    (await trx.executeQuery(CompiledQuery.raw(text, params ? [...params] : []))).rows as Record<
      string,
      unknown
    >[];
}

function workspaceTargets(db: Db, tenantId: string) {
  return withTenant(db, tenantId, (trx) => importTargets(runnerOf(trx)));
}

async function view(
  db: Db,
  tenantId: string,
  contactImport: ContactImport,
  preview: CsvPreview | null,
): Promise<ImportView> {
  const targets = await workspaceTargets(db, tenantId);
  const settings = await withTenant(db, tenantId, (trx) =>
    trx.selectFrom('contactImportSettings').select('defaultCountry').executeTakeFirst(),
  );
  return {
    contactImport,
    preview,
    suggestedMapping: contactImport.mapping ?? suggestMapping(contactImport.headers, targets),
    targets: targets.map(({ key, label }) => ({ key, label })),
    defaultCountry: contactImport.defaultCountry ?? settings?.defaultCountry ?? null,
  };
}

async function findImport(trx: TenantTransaction, id: string, lock = false): Promise<ContactImport> {
  let query = trx.selectFrom('contactImports').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  const found = await query.executeTakeFirst();
  if (!found) throw new AppError('not_found', 'Import not found');
  return found;
}

/** An import's state, with the file's first rows while it waits for its mapping. */
export async function getImport(db: Db, blobs: BlobStore, tenantId: string, id: string): Promise<ImportView> {
  const contactImport = await withTenant(db, tenantId, (trx) => findImport(trx, id));
  let preview: CsvPreview | null = null;
  if (contactImport.status === 'uploaded') preview = await previewStored(blobs, tenantId, contactImport);
  return view(db, tenantId, contactImport, preview);
}

async function previewStored(
  blobs: BlobStore,
  tenantId: string,
  contactImport: ContactImport,
): Promise<CsvPreview> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of readImportFile(blobs, tenantId, contactImport.blobParts)) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= HEAD_BYTES) break;
  }
  const head = Buffer.concat(chunks).subarray(0, HEAD_BYTES);
  const sample = decodeHead(head, detectEncoding(head));
  return previewRows(
    sample,
    contactImport.delimiter as CsvDelimiter,
    Number(contactImport.sizeBytes) <= HEAD_BYTES,
  );
}

export interface StartImport {
  mapping: Record<string, string>;
  policy: DedupePolicy;
  defaultCountry: string | null;
  /** Also save the mapping under this name. */
  saveMappingAs?: string | undefined;
}

/** Checks the mapping against the file's columns and the workspace's targets, then queues the job. */
export async function startImport(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  id: string,
  request: StartImport,
): Promise<ContactImport> {
  const keys = new Set((await workspaceTargets(db, tenantId)).map((target) => target.key));
  return withTenant(db, tenantId, async (trx) => {
    const contactImport = await findImport(trx, id, true);
    if (contactImport.status !== 'uploaded')
      throw new AppError('conflict', 'This import has already been started');
    const used = new Set<string>();
    for (const [column, target] of Object.entries(request.mapping)) {
      const index = Number(column);
      if (!Number.isInteger(index) || index < 0 || index >= contactImport.headers.length) {
        throw new AppError('validation_failed', `Column ${column} is not a column of the file`);
      }
      if (!keys.has(target)) throw new AppError('validation_failed', `Unknown import target: ${target}`);
      if (used.has(target)) throw new AppError('validation_failed', `Two columns are mapped to ${target}`);
      used.add(target);
    }
    if (!used.has('phone') && !used.has('email')) {
      throw new AppError('validation_failed', 'Map a column to the phone number or the e-mail address');
    }
    const started = await trx
      .updateTable('contactImports')
      .set({
        mapping: JSON.stringify(request.mapping),
        policy: request.policy,
        defaultCountry: request.defaultCountry,
        status: 'queued',
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (request.defaultCountry) {
      await trx
        .insertInto('contactImportSettings')
        .values({ defaultCountry: request.defaultCountry })
        .onConflict((oc) =>
          oc
            .column('tenantId')
            .doUpdateSet({ defaultCountry: request.defaultCountry ?? '', updatedAt: new Date() }),
        )
        .execute();
    }
    if (request.saveMappingAs) {
      await trx
        .insertInto('contactImportMappings')
        .values({ name: request.saveMappingAs, mapping: JSON.stringify(request.mapping) })
        .onConflict((oc) =>
          oc
            .columns(['tenantId', 'name'])
            .doUpdateSet({ mapping: JSON.stringify(request.mapping), updatedAt: new Date() }),
        )
        .execute();
    }
    await enqueue(
      trx,
      importContactsTask,
      { importId: id },
      {
        requestId: actor.context.requestId,
        queueName: `contact-import:${tenantId}`,
      },
    );
    await auditChange(trx, tenantId, actor, 'contacts.import_started', {
      importId: id,
      policy: request.policy,
      targets: [...used],
    });
    return started;
  });
}

/** Stops a queued or running import after its current chunk; what was merged stays (undo removes it). */
export async function cancelImport(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  id: string,
): Promise<ContactImport> {
  return withTenant(db, tenantId, async (trx) => {
    const contactImport = await findImport(trx, id, true);
    if (!['uploaded', 'queued', 'running'].includes(contactImport.status)) {
      throw new AppError('conflict', `This import is ${contactImport.status}; it cannot be cancelled`);
    }
    const stopNow = contactImport.status !== 'running';
    const cancelled = await trx
      .updateTable('contactImports')
      .set({
        cancelRequested: true,
        updatedAt: new Date(),
        ...(stopNow ? { status: 'cancelled' as const, finishedAt: new Date() } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditChange(trx, tenantId, actor, 'contacts.import_cancelled', { importId: id });
    await publishImportProgress(trx, id);
    return cancelled;
  });
}

/** Queues the undo of a finished (or cancelled) import, within UNDO_DAYS of its upload. */
export async function requestUndo(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  id: string,
): Promise<ContactImport> {
  return withTenant(db, tenantId, async (trx) => {
    const contactImport = await findImport(trx, id, true);
    if (!['completed', 'cancelled'].includes(contactImport.status)) {
      throw new AppError(
        'conflict',
        `This import is ${contactImport.status}; only a finished import can be undone`,
      );
    }
    const { rows } = await sql<{ expired: boolean }>`
      select created_at < now() - make_interval(days => ${UNDO_DAYS}) as expired
      from contact_imports where id = ${id}`.execute(trx);
    if (rows[0]?.expired) throw new AppError('conflict', `Imports can be undone for ${UNDO_DAYS} days only`);
    const undoing = await trx
      .updateTable('contactImports')
      .set({ status: 'undoing', updatedAt: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueue(
      trx,
      undoContactImportTask,
      { importId: id },
      {
        requestId: actor.context.requestId,
        queueName: `contact-import:${tenantId}`,
      },
    );
    await auditChange(trx, tenantId, actor, 'contacts.import_undo_requested', { importId: id });
    await publishImportProgress(trx, id);
    return undoing;
  });
}

export async function publishImportProgress(trx: TenantTransaction, importId: string): Promise<void> {
  await publishInboxEvent(trx, { type: 'contact_import.updated', importId });
}

/** A page of the workspace's imports, newest first. */
export async function listImports(
  db: Db,
  tenantId: string,
  limit: number,
  after: PageCursor | undefined,
): Promise<Page<ContactImport>> {
  const rows = await withTenant(db, tenantId, (trx) => {
    let query = trx.selectFrom('contactImports').selectAll();
    if (after) {
      query = query.where(
        sql<boolean>`(date_trunc('milliseconds', created_at), id) < (${after.at}, ${after.id}::uuid)`,
      );
    }
    return query
      .orderBy(sql`date_trunc('milliseconds', created_at)`, 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
  });
  return pageOf(rows, limit, (row) => ({ at: row.createdAt, id: row.id }));
}

export async function listSavedMappings(db: Db, tenantId: string) {
  return withTenant(db, tenantId, (trx) =>
    trx
      .selectFrom('contactImportMappings')
      .select(['id', 'name', 'mapping', 'updatedAt'])
      .orderBy('name')
      .limit(100)
      .execute(),
  );
}

export async function rejectedRowsPage(
  db: Db,
  tenantId: string,
  importId: string,
  afterLine: number,
  limit: number,
): Promise<{ line: number; reason: string; cells: string[] }[]> {
  const rows = await withTenant(db, tenantId, (trx) =>
    trx
      .selectFrom('contactImportRejects')
      .select(['line', 'reason', 'cells'])
      .where('importId', '=', importId)
      .where(sql<boolean>`line > ${afterLine}`)
      .orderBy('line')
      .limit(limit)
      .execute(),
  );
  return rows.map((row) => ({ line: Number(row.line), reason: row.reason, cells: row.cells }));
}

export async function importHeaders(db: Db, tenantId: string, id: string): Promise<string[]> {
  return withTenant(db, tenantId, async (trx) => (await findImport(trx, id)).headers);
}

/**
 * An import fed by an integration (a Phantombuster agent's result file) rather than a person: the file is
 * stored and read as an upload is, mapped by its headers' suggested mapping, and started at once. A file
 * with no column recognisable as a phone number or an e-mail address is refused (400) and not kept.
 */
export async function importFromIntegration(
  db: Db,
  blobs: BlobStore,
  tenantId: string,
  actor: AuditActor,
  upload: { fileName: string; content: AsyncIterable<Buffer> },
  options: { policy: DedupePolicy; defaultCountry: string | null },
): Promise<ContactImport> {
  const created = await createImport(db, blobs, tenantId, actor, upload);
  const targets = new Set(Object.values(created.suggestedMapping));
  if (!targets.has('phone') && !targets.has('email')) {
    await withTenant(db, tenantId, (trx) =>
      trx.deleteFrom('contactImports').where('id', '=', created.contactImport.id).execute(),
    );
    await deleteImportFile(blobs, tenantId, created.contactImport.blobParts);
    throw new AppError(
      'bad_request',
      'The file has no column recognisable as a phone number or an e-mail address',
    );
  }
  return startImport(db, tenantId, actor, created.contactImport.id, {
    mapping: created.suggestedMapping,
    policy: options.policy,
    defaultCountry: options.defaultCountry ?? created.defaultCountry,
  });
}
