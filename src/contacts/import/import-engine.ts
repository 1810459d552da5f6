import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js/max';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import { withTenantClient } from '../../platform/db/tenant-client.js';
import {
  type CsvDelimiter,
  type CsvEncoding,
  createDecoder,
  describeParseError,
  MAX_COLUMNS,
  MAX_RECORD_CHARS,
} from './csv-format.js';
import { deleteImportFile, readImportFile } from './import-file.js';
import { compileMapping, type StagedRow, stageRow } from './import-rows.js';
import { applyTargets, prepareTargets, type SqlRunner } from './import-targets.js';
import './target-providers.js';
import type { DedupePolicy } from './imports.table.js';

/** Rows merged per transaction: a crash loses at most one chunk's work, which the retry redoes. */
export const CHUNK_ROWS = 20_000;

export interface ImportEngineDeps {
  pool: pg.Pool;
  blobs: BlobStore;
  /**
   * HMAC keys of the erased-people list (`suppressionKeys` of the current and previous secret keys): rows
   * of people erased from the workspace are refused, never re-created.
   */
  suppressionKeys: readonly Buffer[];
  /** Told after every committed chunk (live progress). */
  onProgress?: (tenantId: string, importId: string) => void;
}

interface ImportRow {
  status: string;
  blob_parts: string[];
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  mapping: Record<string, string>;
  policy: DedupePolicy;
  default_country: string | null;
  lines_done: string;
  cancel_requested: boolean;
}

/** A file that cannot be imported as a whole: the import fails with this message, nothing kept. */
class ImportFileError extends Error {}

export type ImportOutcome = 'completed' | 'failed' | 'cancelled' | 'not-runnable';

/**
 * Runs (or resumes) an import: parses the stored file as a stream, normalises each row, and commits it
 * in chunks — COPY into a staging table, then one merge statement — each with the import's progress, so a
 * crashed job resumes after its last committed chunk. A file found malformed part-way (an unclosed
 * quote, an over-long row) fails the import and undoes the chunks already merged.
 */
export async function runImport(
  deps: ImportEngineDeps,
  tenantId: string,
  importId: string,
): Promise<ImportOutcome> {
  const job = await withTenantClient(deps.pool, tenantId, async (client) => {
    const { rows } = await client.query<ImportRow>(
      `update contact_imports set status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
       where id = $1 and status in ('queued', 'running')
       returning status, blob_parts, encoding, delimiter, mapping, policy, default_country, lines_done, cancel_requested`,
      [importId],
    );
    return rows[0];
  });
  if (!job) return 'not-runnable';

  const mapping = compileMapping(job.mapping);
  const extraKeys = mapping.extra.map(([, key]) => key);
  const checkExtra = await withTenantClient(deps.pool, tenantId, (client) =>
    prepareTargets(runnerOf(client), extraKeys),
  );
  const country = (job.default_country ?? undefined) as CountryCode | undefined;
  const resumeAfter = Number(job.lines_done);
  let batch = new CopyBatch();
  let lastLine = resumeAfter;
  let bytes = 0;
  let read = 0;
  let header = true;

  const parser = parse({
    delimiter: job.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
    info: true,
  });
  const source = readImportFile(deps.blobs, tenantId, job.blob_parts);
  const decoder = createDecoder(job.encoding);

  // One chunk is merged by PostgreSQL while the next is parsed and normalised here (two cores at work);
  // chunks still commit one after the other, in file order, so the progress row stays a resume point.
  let inFlight: Promise<'go' | 'cancelled'> | undefined;
  const commit = async (): Promise<'go' | 'cancelled'> => {
    const previous = inFlight;
    inFlight = undefined;
    if (previous && (await previous) === 'cancelled') return 'cancelled';
    const rows = batch;
    const progress = { lastLine, bytes, read };
    batch = new CopyBatch();
    read = 0;
    inFlight = commitChunk(deps, tenantId, importId, job.policy, extraKeys, rows, progress).then((state) => {
      deps.onProgress?.(tenantId, importId);
      return state;
    });
    // Awaited at the next chunk or at the end; marked handled so a failure waits for that await.
    inFlight.catch(() => {});
    return 'go';
  };
  const settle = async () => {
    const last = inFlight;
    inFlight = undefined;
    return last ? await last : 'go';
  };

  try {
    const records = pipelineOf(source, decoder, parser);
    for await (const { record, info } of records as AsyncIterable<{
      record: string[];
      info: { lines: number; bytes: number };
    }>) {
      if (header) {
        header = false;
        if (record.length > MAX_COLUMNS)
          throw new ImportFileError(`The file has more than ${MAX_COLUMNS} columns.`);
        continue;
      }
      if (info.lines <= resumeAfter) continue;
      if (record.length > MAX_COLUMNS) {
        throw new ImportFileError(
          `Line ${info.lines} has ${record.length} cells; at most ${MAX_COLUMNS} are supported.`,
        );
      }
      lastLine = info.lines;
      bytes = info.bytes;
      if (isBlank(record)) continue;
      read += 1;
      batch.add(stageRow(info.lines, record, mapping, country, checkExtra));
      if (batch.rows >= CHUNK_ROWS && (await commit()) === 'cancelled') {
        source.destroy();
        return 'cancelled';
      }
    }
    if (header) throw new ImportFileError('The file is empty.');
    if ((await commit()) === 'cancelled' || (await settle()) === 'cancelled') return 'cancelled';
  } catch (error) {
    // A chunk still being merged finishes (or fails) before anything else touches the import.
    await settle().catch(() => {});
    const message = error instanceof ImportFileError ? error.message : parseErrorMessage(error);
    if (message === undefined) throw error;
    await undoImport(deps.pool, tenantId, importId, { status: 'failed', error: message });
    deps.onProgress?.(tenantId, importId);
    await deleteImportFile(deps.blobs, tenantId, job.blob_parts);
    return 'failed';
  }

  await withTenantClient(deps.pool, tenantId, (client) =>
    client.query(
      `update contact_imports set status = 'completed', finished_at = now(), updated_at = now() where id = $1`,
      [importId],
    ),
  );
  deps.onProgress?.(tenantId, importId);
  await deleteImportFile(deps.blobs, tenantId, job.blob_parts);
  return 'completed';
}

function isBlank(record: readonly string[]): boolean {
  for (const cell of record) if (cell.trim() !== '') return false;
  return true;
}

function pipelineOf(source: Readable, decoder: NodeJS.ReadWriteStream, parser: Transform): Transform {
  // Errors of any stage reach the parser's iterator, so the loop above sees them.
  pipeline(source, decoder, parser).catch(() => {});
  return parser;
}

/** csv-parse's errors (they carry a CSV_ code) as the import's failure message; undefined for others. */
function parseErrorMessage(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('CSV_')) return describeParseError(error);
  if (code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return 'The file is not valid text in its encoding.';
  return undefined;
}

const STAGE_COLUMNS = 'line, phone, email, first_name, last_name, company, extra, reject, cells';

/** A pg client as the import target providers' SQL runner. */
export function runnerOf(client: pg.PoolClient): SqlRunner {
  return async (text, params) => (await client.query(text, params ? [...params] : [])).rows;
}

function copyValue(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : value;
}

/** Rows per COPY message (one flat string each). */
const COPY_PIECE_ROWS = 500;

/**
 * A chunk kept as COPY text, written as each row is staged: the row objects die young instead of living
 * (and being promoted to the old generation) until their chunk is merged, which kept the heap large.
 */
class CopyBatch {
  readonly pieces: string[] = [];
  private lines: string[] = [];
  rows = 0;

  add(row: StagedRow): void {
    this.lines.push(
      `${row.line}\t${copyValue(row.phone)}\t${copyValue(row.email)}\t${copyValue(row.firstName)}\t${copyValue(
        row.lastName,
      )}\t${copyValue(row.company)}\t${copyValue(row.extra && JSON.stringify(row.extra))}\t${copyValue(
        row.reject,
      )}\t${copyValue(row.cells && JSON.stringify(row.cells))}\n`,
    );
    this.rows += 1;
    if (this.lines.length >= COPY_PIECE_ROWS) this.seal();
  }

  /** The COPY text, in pieces. */
  text(): readonly string[] {
    this.seal();
    return this.pieces;
  }

  private seal(): void {
    if (this.lines.length === 0) return;
    this.pieces.push(this.lines.join(''));
    this.lines = [];
  }
}

/**
 * A random (version 4) UUID whose first 48 bits are the time in milliseconds (the UUIDv7 layout): the
 * contacts an import creates land at the right-hand edge of the id indexes instead of on a random page
 * each, which at a million rows is the difference between appending and rewriting the whole index.
 */
const ORDERED_UUID = `encode(overlay(uuid_send(gen_random_uuid())
    placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 'hex')::uuid`;

/**
 * The set-based merge of one chunk, in one statement. Each staged row is matched to an existing contact
 * by phone, then by e-mail; within the file, the first row of a phone (or e-mail) wins and later ones are
 * duplicates, as is a row for a contact an earlier chunk of this import already touched. New contacts are
 * inserted; existing ones are left (skip), completed (fill: only empty fields) or overwritten (an empty
 * cell never erases). Every created or updated contact is recorded with its before-image, for undo.
 */
const MERGE = `
with matched as materialized (
  select s.*, coalesce(
    (select c.id from contacts c where c.phone_e164 = s.phone),
    (select c.id from contacts c where s.email is not null and c.email = s.email order by c.created_at, c.id limit 1)
  ) as contact_id
  from import_stage s where s.reject is null
),
ranked as (
  select m.*,
    row_number() over (partition by coalesce(m.contact_id::text, 'p' || m.phone, 'e' || m.email) order by m.line) as rn,
    exists (select 1 from contact_import_changes ch where ch.import_id = $1 and ch.contact_id = m.contact_id) as seen
  from matched m
),
classified as (
  select r.*, case
    when r.rn > 1 or r.seen then 'duplicate'
    when r.contact_id is null and r.phone is null then 'reject'
    when r.contact_id is null then 'create'
    when $2 = 'skip' then 'unchanged'
    else 'update' end as action
  from ranked r
),
proposed as (
  select k.contact_id,
    case when $2 = 'fill' then coalesce(c.first_name, k.first_name) else coalesce(k.first_name, c.first_name) end as first_name,
    case when $2 = 'fill' then coalesce(c.last_name, k.last_name) else coalesce(k.last_name, c.last_name) end as last_name,
    case when $2 = 'fill' then coalesce(c.company, k.company) else coalesce(k.company, c.company) end as company,
    case when $2 = 'fill' then coalesce(c.email, k.email) else coalesce(k.email, c.email) end as email,
    jsonb_build_object('firstName', c.first_name, 'lastName', c.last_name, 'company', c.company, 'email', c.email) as before
  from classified k join contacts c on c.id = k.contact_id
  where k.action = 'update'
    and (c.first_name, c.last_name, c.company, c.email) is distinct from
        (case when $2 = 'fill' then coalesce(c.first_name, k.first_name) else coalesce(k.first_name, c.first_name) end,
         case when $2 = 'fill' then coalesce(c.last_name, k.last_name) else coalesce(k.last_name, c.last_name) end,
         case when $2 = 'fill' then coalesce(c.company, k.company) else coalesce(k.company, c.company) end,
         case when $2 = 'fill' then coalesce(c.email, k.email) else coalesce(k.email, c.email) end)
),
created as (
  insert into contacts (id, phone_e164, first_name, last_name, company, email)
  select ${ORDERED_UUID}, phone, first_name, last_name, company, email from classified where action = 'create'
  order by line
  on conflict (tenant_id, phone_e164) do nothing
  returning id, phone_e164
),
outcome as (
  insert into import_outcome (line, contact_id, action)
  select k.line, k.contact_id, k.action from classified k
  where k.extra is not null and k.action in ('update', 'unchanged')
  union all
  select k.line, cr.id, 'create' from classified k join created cr on cr.phone_e164 = k.phone
  where k.extra is not null and k.action = 'create'
  returning 1
),
updated as (
  update contacts c set first_name = p.first_name, last_name = p.last_name, company = p.company,
    email = p.email, updated_at = now()
  from proposed p where c.id = p.contact_id
  returning c.id
),
changes as (
  insert into contact_import_changes (import_id, contact_id, created, before)
  select $1, id, true, null from created
  union all
  select $1, p.contact_id, false, p.before from proposed p join updated u on u.id = p.contact_id
  returning created
),
rejects as (
  insert into contact_import_rejects (import_id, line, reason, cells)
  select $1, line, reason, array(select jsonb_array_elements_text(cells)) from (
    select line, reject as reason, cells from import_stage where reject is not null
    union all
    select line, 'no phone number, and no contact has this e-mail address', cells from classified where action = 'reject'
  ) r
  returning 1
)
select
  (select count(*) from changes where created) as created,
  (select count(*) from changes where not created) as updated,
  (select count(*) from classified where action = 'duplicate') as duplicate,
  (select count(*) from classified where action in ('update', 'unchanged')) - (select count(*) from updated) as unchanged,
  (select count(*) from rejects) as rejected`;

/** The reason in the rejected-rows file; the row's cells are not kept (the person asked to be forgotten). */
export const ERASED_REASON = "erased at the person's request";

/**
 * Refuses the staged rows whose phone number or e-mail address is on the workspace's list of erased
 * people, set-based: the list holds HMAC digests, so each staged value is hashed in SQL (pgcrypto) with
 * every accepted key. A workspace that never erased anyone pays one index probe per chunk.
 */
async function rejectErased(client: pg.PoolClient, keys: readonly Buffer[]): Promise<void> {
  if (keys.length === 0) return;
  const { rows } = await client.query<{ any: boolean }>(
    'select exists (select 1 from privacy_suppressions) as any',
  );
  if (!rows[0]?.any) return;
  await client.query(
    `update import_stage s set reject = $2, cells = null
     where s.reject is null and (
       exists (select 1 from unnest($1::bytea[]) k (key) join privacy_suppressions p
               on p.kind = 'phone' and p.digest = hmac(convert_to(s.phone, 'UTF8'), k.key, 'sha256')
               where s.phone is not null)
       or exists (select 1 from unnest($1::bytea[]) k (key) join privacy_suppressions p
               on p.kind = 'email' and p.digest = hmac(convert_to(s.email, 'UTF8'), k.key, 'sha256')
               where s.email is not null))`,
    [keys, ERASED_REASON],
  );
}

interface Progress {
  lastLine: number;
  bytes: number;
  read: number;
}

async function commitChunk(
  deps: ImportEngineDeps,
  tenantId: string,
  importId: string,
  policy: DedupePolicy,
  extraKeys: readonly string[],
  rows: CopyBatch,
  progress: Progress,
): Promise<'go' | 'cancelled'> {
  return withTenantClient(deps.pool, tenantId, async (client) => {
    // A crash may lose the last chunk's commit, but with its progress row: the retry redoes that chunk.
    await client.query('set local synchronous_commit = off');
    const { rows: state } = await client.query<{ status: string; cancel_requested: boolean }>(
      'select status, cancel_requested from contact_imports where id = $1 for update',
      [importId],
    );
    if (state[0]?.status !== 'running') return 'cancelled';
    if (state[0].cancel_requested) {
      await client.query(
        `update contact_imports set status = 'cancelled', finished_at = now(), updated_at = now() where id = $1`,
        [importId],
      );
      return 'cancelled';
    }
    let counts = { created: '0', updated: '0', duplicate: '0', unchanged: '0', rejected: '0' };
    if (rows.rows > 0) {
      await client.query(
        `create temp table import_stage (line bigint, phone text, email text, first_name text, last_name text,
           company text, extra jsonb, reject text, cells jsonb) on commit drop`,
      );
      await pipeline(
        Readable.from(rows.text(), { objectMode: false }),
        client.query(copyFrom(`copy import_stage (${STAGE_COLUMNS}) from stdin`)),
      );
      await rejectErased(client, deps.suppressionKeys);
      await client.query(
        'create temp table import_outcome (line bigint, contact_id uuid, action text) on commit drop',
      );
      const merged = await client.query<typeof counts>(MERGE, [importId, policy]);
      counts = merged.rows[0] ?? counts;
      if (extraKeys.length > 0) {
        // Contacts only the provider targets changed count as updated, not unchanged.
        const changed = await applyTargets(runnerOf(client), extraKeys, importId, policy);
        counts = {
          ...counts,
          updated: String(Number(counts.updated) + changed),
          unchanged: String(Number(counts.unchanged) - changed),
        };
      }
    }
    await client.query(
      `update contact_imports set lines_done = $2, bytes_done = $3, rows_read = rows_read + $4,
         rows_created = rows_created + $5, rows_updated = rows_updated + $6, rows_duplicate = rows_duplicate + $7,
         rows_unchanged = rows_unchanged + $8, rows_rejected = rows_rejected + $9, updated_at = now()
       where id = $1`,
      [
        importId,
        progress.lastLine,
        progress.bytes,
        progress.read,
        counts.created,
        counts.updated,
        counts.duplicate,
        counts.unchanged,
        counts.rejected,
      ],
    );
    return 'go';
  });
}

/**
 * Reverts what an import did: contacts it updated get their before-image back, contacts it created are
 * removed (unless a conversation has started with them since: those are kept). Ends in `status`.
 */
export async function undoImport(
  pool: pg.Pool,
  tenantId: string,
  importId: string,
  end: { status: 'undone' | 'failed'; error?: string },
): Promise<{ removed: number; restored: number; kept: number }> {
  return withTenantClient(pool, tenantId, async (client) => {
    const restored = await client.query(
      `update contacts c set first_name = ch.before ->> 'firstName', last_name = ch.before ->> 'lastName',
         company = ch.before ->> 'company', email = ch.before ->> 'email',
         custom_fields = coalesce(ch.before -> 'customFields', c.custom_fields), updated_at = now()
       from contact_import_changes ch
       where ch.import_id = $1 and not ch.created and c.id = ch.contact_id`,
      [importId],
    );
    const removed = await client.query(
      `delete from contacts c using contact_import_changes ch
       where ch.import_id = $1 and ch.created and c.id = ch.contact_id
         and not exists (select 1 from conversations cv where cv.contact_id = c.id)`,
      [importId],
    );
    const total = await client.query<{ created: string }>(
      'select count(*) as created from contact_import_changes where import_id = $1 and created',
      [importId],
    );
    await client.query('delete from contact_import_changes where import_id = $1', [importId]);
    await client.query(
      `update contact_imports set status = $2, error = $3, finished_at = coalesce(finished_at, now()),
         undone_at = case when $2 = 'undone' then now() else undone_at end, updated_at = now()
       where id = $1`,
      [importId, end.status, end.error ?? null],
    );
    const removedCount = removed.rowCount ?? 0;
    return {
      removed: removedCount,
      restored: restored.rowCount ?? 0,
      kept: Number(total.rows[0]?.created ?? 0) - removedCount,
    };
  });
}
