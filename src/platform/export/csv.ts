import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

// A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection", ASVS
// 1.2.10); a leading TAB or CR can hide such a start from a quick look.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as text a spreadsheet shows and never evaluates: a formula-like start gets a `'` before it. */
export function neutraliseCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Rows as an RFC 4180 CSV stream (header first, CRLF, quoted where needed), each cell neutralised.
 * `rows` is pulled only as fast as the client reads, so an export of any size holds one batch in memory.
 */
export function csvStream<Column extends string>(
  columns: readonly Column[],
  rows: AsyncIterable<Record<Column, unknown>>,
): Readable {
  const source = Readable.from(
    (async function* () {
      for await (const row of rows) yield columns.map((column) => neutraliseCell(row[column]));
    })(),
  );
  const csv = stringify({ header: true, columns: [...columns], record_delimiter: 'windows', bom: true });
  source.on('error', (error) => csv.destroy(error));
  return source.pipe(csv);
}
