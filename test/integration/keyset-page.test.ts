import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysetPage } from '../../src/platform/db/keyset.js';
import { encodeCursor, type PageCursor, pageBody, pageOf } from '../../src/platform/http/cursor.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Keyset paging (campaigns, recipients, catalog, automations, notes, dead letters) on a real PostgreSQL. */
let database: TestDatabase;

interface Row {
  id: string;
  createdAt: Date;
}

beforeAll(async () => {
  database = await createTestDatabase();
  // Rows written in one statement share one now(), microseconds included; the others are spread out.
  await sql`create table keyset_rows (id uuid primary key, created_at timestamptz not null)`.execute(
    database.ownerDb,
  );
  await sql`
    insert into keyset_rows
    select gen_random_uuid(), now() from generate_series(1, 5)
    union all
    select gen_random_uuid(), now() - make_interval(secs => n * 0.0004) from generate_series(1, 6) n`.execute(
    database.ownerDb,
  );
});

afterAll(async () => {
  await database?.drop();
});

async function allPages(direction: 'asc' | 'desc', limit: number): Promise<Row[]> {
  const db = database.ownerDb as unknown as Kysely<{ keysetRows: Row }>;
  const seen: Row[] = [];
  let after: PageCursor | undefined;
  for (let pages = 0; pages < 20; pages += 1) {
    const query = db
      .selectFrom('keysetRows')
      .selectAll()
      .limit(limit + 1);
    const rows = await keysetPage(query, { time: 'created_at', id: 'id', direction }, after).execute();
    const page = pageOf(rows, limit, (row) => ({ at: row.createdAt, id: row.id }));
    seen.push(...page.items);
    // Through the wire format, as a client pages.
    const next = pageBody(page, (row) => row).nextCursor;
    if (!next) return seen;
    expect(next).toBe(encodeCursor(page.next!.at, page.next!.id));
    after = page.next!;
  }
  throw new Error('the pages did not end');
}

async function expected(direction: 'asc' | 'desc'): Promise<string[]> {
  const order = sql.raw(direction);
  const { rows } = await sql<{ id: string }>`
    select id from keyset_rows
    order by date_trunc('milliseconds', created_at) ${order}, id ${order}`.execute(database.ownerDb);
  return rows.map((row) => row.id);
}

describe('keysetPage', () => {
  it.each(['asc', 'desc'] as const)(
    'pages %s through rows that share a timestamp, each row once and in order',
    async (direction) => {
      for (const limit of [1, 2, 3, 4]) {
        const ids = (await allPages(direction, limit)).map((row) => row.id);
        expect(ids).toEqual(await expected(direction));
        expect(new Set(ids).size).toBe(11);
      }
    },
  );
});
