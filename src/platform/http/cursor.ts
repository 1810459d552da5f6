import { z } from 'zod';
import { isUuid } from '../db/tenant-context.js';

/** A keyset position: the sort time and the row id that breaks ties. */
export interface PageCursor {
  at: Date;
  id: string;
}

export interface Page<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  next: PageCursor | null;
}

// Exactly what encodeCursor writes (Date#toISOString for years 0000-9999). Anything else is refused before
// it reaches SQL: JavaScript dates reach 271,821 BC while PostgreSQL's timestamptz stops at 4713 BC, so a
// merely parseable date ("-010000-01-01") made PostgreSQL fail the query (a 500, not a 400).
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decodeCursor(value: string): PageCursor | undefined {
  const parts = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const [time, id] = parts;
  if (parts.length !== 2 || !time || !id || !CANONICAL_TIME.test(time) || !isUuid(id)) return undefined;
  const at = new Date(time);
  // Round trip: rejects impossible calendar values that Date would roll over (2026-02-31).
  if (Number.isNaN(at.getTime()) || at.toISOString() !== time) return undefined;
  return { at, id };
}

// Cursors are opaque to clients: base64url of "<ISO time>|<uuid>", checked strictly when read back.
export const ZCursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/)
  .transform((value, ctx): PageCursor => {
    const cursor = decodeCursor(value);
    if (!cursor) {
      ctx.addIssue({ code: 'custom', message: 'Invalid cursor' });
      return z.NEVER;
    }
    return cursor;
  });

/** How many rows a page holds: 50 unless asked, 100 at most. */
export const ZPageLimit = z.coerce.number().int().min(1).max(100).default(50);

/** The query of a list paged by time and id and filtered by nothing else: `?limit=&cursor=`. */
export const ZPageQuery = z.strictObject({ limit: ZPageLimit, cursor: ZCursor.optional() });

/** The response schema of a page of `item`, as `pageBody` writes it: `{ items, nextCursor }`. */
export function ZPage<Item extends z.ZodType>(item: Item) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

const BIGINT_MAX = 2n ** 63n - 1n;

/**
 * A cursor that is a row's bigint id (the audit log's). PostgreSQL's bigint ends at 2^63-1: a longer
 * number must be a 400 here, not an out-of-range error from the query.
 */
export const ZSerialCursor = z
  .string()
  .regex(/^[1-9][0-9]{0,18}$/, 'Invalid cursor')
  // Zod runs a refinement even after the regex failed: the regex is repeated so BigInt() never throws.
  .refine((value) => /^\d{1,19}$/.test(value) && BigInt(value) <= BIGINT_MAX, 'Invalid cursor');

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');
}

/** One more row than the page was asked for tells whether another page follows. */
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => PageCursor): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? key(last) : null };
}

/** The JSON shape of a page: `{ items, nextCursor }`. */
export function pageBody<T, R>(result: Page<T>, map: (row: T) => R) {
  return {
    items: result.items.map(map),
    nextCursor: result.next ? encodeCursor(result.next.at, result.next.id) : null,
  };
}
