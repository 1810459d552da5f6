import { z } from 'zod';

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

// Cursors are opaque to clients: base64url of "<ISO time>|<uuid>", checked strictly when read back.
export const ZCursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/)
  .transform((value, ctx): PageCursor => {
    const [time, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
    const date = time ? new Date(time) : undefined;
    if (!date || Number.isNaN(date.getTime()) || !id || !z.uuid().safeParse(id).success) {
      ctx.addIssue({ code: 'custom', message: 'Invalid cursor' });
      return z.NEVER;
    }
    return { at: date, id };
  });

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
