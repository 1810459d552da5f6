import chardet from 'chardet';
import { parse as parseSync } from 'csv-parse/sync';
import iconv from 'iconv-lite';

/** The encodings a CSV file can arrive in: Excel's and Google Sheets' exports, and UTF-16 "Unicode text". */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'iso-8859-15';
export type CsvDelimiter = ',' | ';' | '\t' | '|';

export const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t', '|'];
/** More columns than any contact list has: a wider file is a mistake or an attack, refused at upload. */
export const MAX_COLUMNS = 200;
/** One record (all its cells) may hold at most this many characters; longer is refused with its line. */
export const MAX_RECORD_CHARS = 64 * 1024;

/** A file we cannot read as CSV: the message is shown to the person who uploaded it. */
export class CsvFormatError extends Error {}

const BOMS: readonly { bytes: readonly number[]; encoding: CsvEncoding }[] = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

const SIGNATURES: readonly { bytes: readonly number[]; what: string }[] = [
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    what: 'a ZIP archive or an Excel workbook (.xlsx): save it as CSV first',
  },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel workbook (.xls): save it as CSV first' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
];

const startsWith = (head: Buffer, bytes: readonly number[]) => bytes.every((byte, i) => head[i] === byte);

export interface DetectedEncoding {
  encoding: CsvEncoding;
  /** Bytes of byte-order mark to skip. */
  bomBytes: number;
}

/**
 * The encoding of a file from its first bytes: a byte-order mark when there is one; else UTF-8 when the
 * bytes are valid UTF-8; else what chardet guesses among the single-byte Western encodings Excel writes
 * (Windows-1252 by default). Binary files (NUL bytes, known signatures) are refused.
 */
export function detectEncoding(head: Buffer): DetectedEncoding {
  if (head.length === 0) throw new CsvFormatError('The file is empty.');
  for (const bom of BOMS) {
    if (startsWith(head, bom.bytes)) return { encoding: bom.encoding, bomBytes: bom.bytes.length };
  }
  for (const signature of SIGNATURES) {
    if (startsWith(head, signature.bytes))
      throw new CsvFormatError(`The file is ${signature.what}, not CSV.`);
  }
  if (head.includes(0)) {
    const guess = chardet.detect(head);
    if (guess === 'UTF-16LE') return { encoding: 'utf-16le', bomBytes: 0 };
    if (guess === 'UTF-16BE') return { encoding: 'utf-16be', bomBytes: 0 };
    throw new CsvFormatError('The file is binary, not CSV text.');
  }
  if (isUtf8(head)) return { encoding: 'utf-8', bomBytes: 0 };
  const guess = chardet.detect(head);
  return { encoding: guess === 'ISO-8859-15' ? 'iso-8859-15' : 'windows-1252', bomBytes: 0 };
}

/** Valid UTF-8, allowing a sequence cut at the end of the sample. */
function isUtf8(head: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, trimPartialUtf8(head)));
    return true;
  } catch {
    return false;
  }
}

function trimPartialUtf8(bytes: Buffer): number {
  const end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte >= 0xc0) return end - back;
    break;
  }
  return end;
}

export function decodeHead(head: Buffer, detected: DetectedEncoding): string {
  return iconv.decode(head.subarray(detected.bomBytes), detected.encoding);
}

export function createDecoder(encoding: CsvEncoding): NodeJS.ReadWriteStream {
  return iconv.decodeStream(encoding);
}

/**
 * The delimiter that splits the sample's lines into the same number (> 1) of cells most consistently,
 * preferring more columns; `,` when none does (a one-column file).
 */
export function sniffDelimiter(sample: string): CsvDelimiter {
  const text = completeLines(sample);
  let best: { delimiter: CsvDelimiter; score: number } = { delimiter: ',', score: 0 };
  for (const delimiter of CSV_DELIMITERS) {
    const widths = sampleWidths(text, delimiter);
    if (widths.length === 0) continue;
    const first = widths[0] ?? 1;
    if (first < 2) continue;
    const consistent = widths.filter((width) => width === first).length / widths.length;
    const score = consistent * 1000 + first;
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

function sampleWidths(text: string, delimiter: CsvDelimiter): number[] {
  try {
    const rows = parseSync(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      to_line: 30,
    }) as string[][];
    return rows.map((row) => row.length);
  } catch {
    return [];
  }
}

/** The sample up to its last line break (the rest may be a cut line), or all of it when it has none. */
function completeLines(sample: string): string {
  const end = Math.max(sample.lastIndexOf('\n'), sample.lastIndexOf('\r'));
  return end > 0 ? sample.slice(0, end) : sample;
}

export interface CsvPreview {
  headers: string[];
  rows: string[][];
}

/**
 * The header and first rows of a sample. `complete`: the sample is the whole file (so an unclosed quote
 * at its end is an error, not a cut).
 */
export function previewRows(
  sample: string,
  delimiter: CsvDelimiter,
  complete: boolean,
  limit = 20,
): CsvPreview {
  const text = complete ? sample : completeLines(sample);
  let rows: string[][];
  try {
    rows = parseSync(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
      to_line: limit + 50,
    }) as string[][];
  } catch (error) {
    if (!complete && isCutQuote(error)) rows = parseLenient(text, delimiter, limit);
    else throw new CsvFormatError(describeParseError(error));
  }
  const headers = (rows[0] ?? []).map((cell) => cell.trim());
  if (headers.length === 0 || headers.every((cell) => cell === '')) {
    throw new CsvFormatError('The file has no header row: its first line must name the columns.');
  }
  if (headers.length > MAX_COLUMNS) {
    throw new CsvFormatError(`The file has ${headers.length} columns; at most ${MAX_COLUMNS} are supported.`);
  }
  return { headers, rows: rows.slice(1, limit + 1) };
}

function isCutQuote(error: unknown): boolean {
  return (error as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED';
}

function parseLenient(text: string, delimiter: CsvDelimiter, limit: number): string[][] {
  const lines = text.split(/\r?\n/).slice(0, limit + 1);
  try {
    return parseSync(lines.join('\n'), {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (error) {
    throw new CsvFormatError(describeParseError(error));
  }
}

/** A csv-parse error as a sentence for the uploader (with the line where csv-parse says it happened). */
export function describeParseError(error: unknown): string {
  const { code, lines } = error as { code?: string; lines?: number };
  const where = typeof lines === 'number' ? ` (line ${lines})` : '';
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `A quoted cell is never closed${where}: check for a stray double quote.`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `A double quote inside a cell is not escaped${where}: write it as two double quotes.`;
    case 'CSV_MAX_RECORD_SIZE':
      return `A row is longer than ${MAX_RECORD_CHARS.toLocaleString('en')} characters${where}.`;
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `A row has a different number of cells than the header${where}.`;
    default:
      return `The file is not valid CSV${where}.`;
  }
}
