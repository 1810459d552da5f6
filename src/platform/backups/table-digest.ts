import { createHash } from 'node:crypto';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { type TableShape, tableCopyQuery } from './catalog.js';

export interface TableDigest {
  readonly rows: number;
  /** SHA-256 of the table's COPY text output, rows in primary-key order. */
  readonly sha256: string;
}

/**
 * Streams a table out in a stable order, hashing and counting rows as they pass, and hands each chunk
 * to `onChunk` (the backup writes them; verification only hashes). One function for both sides, so a
 * backup's checksum and a restored copy's checksum are computed the same way.
 */
export async function digestTable(
  client: pg.Client,
  table: TableShape,
  onChunk: (chunk: Buffer) => Promise<void> = async () => {},
): Promise<TableDigest> {
  const hash = createHash('sha256');
  let rows = 0;
  const stream = client.query(copyTo(tableCopyQuery(table)));
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    // Text format: every row ends with a newline, and newlines inside values are escaped as \n.
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    await onChunk(chunk);
  }
  return { rows, sha256: hash.digest('hex') };
}
