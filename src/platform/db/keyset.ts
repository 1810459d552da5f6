import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { PageCursor } from '../http/cursor.js';

/** Which columns order a keyset-paged list, and which way: a time and the id that breaks its ties. */
export interface KeysetOrder {
  /** A timestamptz column, e.g. `created_at` or `n.created_at`. */
  time: string;
  id: string;
  direction: 'asc' | 'desc';
}

/**
 * Orders `query` by (time, id) and, given the previous page's last position, keeps only the rows after it.
 * The time is compared at millisecond precision, as a cursor (a JavaScript Date) holds it: by the full
 * microseconds, rows written in one transaction (one `now()`) would all sort after a cursor taken from
 * one of them, and the next page would start over.
 */
export function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  order: KeysetOrder,
  after: PageCursor | undefined,
): SelectQueryBuilder<DB, TB, O> {
  const time = sql<Date>`date_trunc('milliseconds', ${sql.ref(order.time)})`;
  const id = sql.ref(order.id);
  const ordered = query.orderBy(time, order.direction).orderBy(id, order.direction);
  if (!after) return ordered;
  const comparison = sql.raw(order.direction === 'desc' ? '<' : '>');
  return ordered.where(
    sql<SqlBool>`(${time}, ${id}) ${comparison} (${after.at}::timestamptz, ${after.id}::uuid)`,
  );
}
