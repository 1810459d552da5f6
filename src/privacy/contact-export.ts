import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { ZipFile } from 'yazl';
import { encryptedColumn } from '../encryption/encrypted-columns.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import { openInTransaction } from '../platform/crypto/field-codec.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { contactIdentity } from './contact-keys.js';
import { tableRef } from './erasure.js';
import { contactDataRules, personalDataBlobs, personalDataTables } from './registry.js';

export interface ContactExportData {
  /** File name -> rows, one JSON file per kind of data. */
  readonly files: ReadonlyMap<string, unknown[]>;
  readonly blobKeys: readonly string[];
}

/**
 * Reads everything the registry says belongs to the contact (GDPR art. 15 and 20): every entry with an
 * export name, all its columns except credentials. Media files are listed by key and streamed later.
 */
export async function collectContactExport(
  trx: TenantTransaction,
  contactId: string,
): Promise<ContactExportData> {
  const identity = await contactIdentity(trx, contactId);
  if (!identity) throw new AppError('not_found', 'Contact not found');
  const files = new Map<string, unknown[]>();
  for (const [table, rule] of Object.entries(contactDataRules)) {
    if (!rule.export) continue;
    const credentials = Object.entries(personalDataTables[table]?.columns ?? {})
      .filter(([, category]) => category === 'credential')
      .map(([column]) => column);
    const { rows } = await sql<{ row: Record<string, unknown> }>`
      select to_jsonb(t) - ${credentials}::text[] - 'tenant_id' as row from ${tableRef(table)} t
      where ${rule.rows(identity.keys)}`.execute(trx);
    const readable: Record<string, unknown>[] = [];
    for (const r of rows) readable.push(readableBytes(await openSealed(trx, table, r.row)));
    files.set(rule.export, readable);
  }
  const blobKeys = new Set<string>();
  for (const blob of Object.values(personalDataBlobs)) {
    const rule = contactDataRules[blob.keyColumn.table];
    if (!rule) continue;
    const { rows } = await sql<{ key: string | null }>`
      select ${sql.ref(blob.keyColumn.column)} as key from ${tableRef(blob.keyColumn.table)}
      where ${rule.rows(identity.keys)}`.execute(trx);
    for (const row of rows) if (row.key) blobKeys.add(row.key);
  }
  return { files, blobKeys: [...blobKeys] };
}

/**
 * Values encrypted at rest (ADR 0036) are nested in the JSON row, so the transaction's codec left them
 * sealed: opened here with the workspace's keys (a sealed bytea as its bytes, a sealed jsonb as its JSON).
 */
async function openSealed(
  trx: TenantTransaction,
  table: string,
  row: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const [, name] = table.split('.') as [string, string];
  for (const [column, value] of Object.entries(row)) {
    const encrypted = encryptedColumn(name, column);
    if (!encrypted || typeof value !== 'string') {
      out[column] = value;
      continue;
    }
    if (encrypted.type === 'bytea') {
      const bytes = /^\\x([0-9a-f]{2})*$/.test(value) ? Buffer.from(value.slice(2), 'hex') : undefined;
      const opened = bytes ? await openInTransaction(trx, bytes) : value;
      out[column] = Buffer.isBuffer(opened) ? `\\x${opened.toString('hex')}` : opened;
      continue;
    }
    const opened = await openInTransaction(trx, value);
    out[column] = encrypted.type === 'jsonb' && opened !== value ? JSON.parse(opened as string) : opened;
  }
  return out;
}

/** bytea columns arrive as `\\x<hex>`: raw payloads are UTF-8 JSON, so they are shown as the text they are. */
function readableBytes(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (typeof value === 'string' && /^\\x([0-9a-f]{2})*$/.test(value)) {
      const text = Buffer.from(value.slice(2), 'hex').toString('utf8');
      out[column] = text.includes('\uFFFD') ? value : text;
    } else out[column] = value;
  }
  return out;
}

/**
 * The ZIP, streamed: `<kind>.json` per kind of data, then `media/<sha256>` per file. Blobs are read one at
 * a time as the archive is consumed, so a contact with much media does not sit in memory at once.
 */
export function contactExportZip(data: ContactExportData, blobs: BlobStore): Readable {
  const zip = new ZipFile();
  const mtime = new Date();
  for (const [name, rows] of data.files) {
    zip.addBuffer(Buffer.from(JSON.stringify(rows, null, 2)), `${name}.json`, { mtime });
  }
  const addMedia = async () => {
    for (const key of data.blobKeys) {
      const content = await blobs.get(key);
      // The key is ours (<tenant>/<sha256>): only its hash part names the file.
      if (content) zip.addBuffer(content, `media/${key.split('/')[1]}`, { mtime, compress: false });
    }
    zip.end();
  };
  addMedia().catch((error: unknown) => (zip.outputStream as Readable).destroy(error as Error));
  return zip.outputStream as Readable;
}
