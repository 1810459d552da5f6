import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PERSONAL_DATA_CATEGORIES,
  personalColumns,
  personalDataBlobs,
  personalDataTables,
  REGISTERED_SCHEMAS,
} from '../../src/privacy/registry.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let catalog: Map<string, string[]>;

beforeAll(async () => {
  database = await createTestDatabase();
  const { rows } = await sql<{ table: string; column: string }>`
    select c.table_schema || '.' || c.table_name as table, c.column_name as column
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where t.table_type = 'BASE TABLE' and c.table_schema in (${sql.join([...REGISTERED_SCHEMAS])})
    order by 1, c.ordinal_position`.execute(database.ownerDb);
  catalog = new Map();
  for (const row of rows) catalog.set(row.table, [...(catalog.get(row.table) ?? []), row.column]);
});

afterAll(async () => {
  await database.drop();
});

describe('the personal-data registry', () => {
  it('classifies every table and column of the migrated database', () => {
    const unclassified: string[] = [];
    for (const [table, columns] of catalog) {
      const entry = personalDataTables[table];
      if (!entry) {
        unclassified.push(`${table} (whole table)`);
        continue;
      }
      for (const column of columns) if (!(column in entry.columns)) unclassified.push(`${table}.${column}`);
    }
    expect(
      unclassified,
      'classify these in src/privacy/registry.ts (use `none` for columns that are not personal)',
    ).toEqual([]);
  });

  it('names no table or column the database does not have', () => {
    const stale: string[] = [];
    for (const [table, entry] of Object.entries(personalDataTables)) {
      const columns = catalog.get(table);
      if (!columns) {
        stale.push(`${table} (whole table)`);
        continue;
      }
      for (const column of Object.keys(entry.columns))
        if (!columns.includes(column)) stale.push(`${table}.${column}`);
    }
    expect(stale).toEqual([]);
  });

  it('uses only declared categories, and names a subject wherever a column is personal', () => {
    for (const [table, entry] of Object.entries(personalDataTables)) {
      for (const [column, category] of Object.entries(entry.columns)) {
        expect(Object.keys(PERSONAL_DATA_CATEGORIES), `${table}.${column}`).toContain(category);
      }
      const personal = Object.values(entry.columns).some((category) => category !== 'none');
      expect(entry.subjects.length > 0, `${table}: subjects iff a personal column`).toBe(personal);
    }
  });

  it('keys every blob kind by a registered column', () => {
    for (const [kind, blob] of Object.entries(personalDataBlobs)) {
      expect(catalog.get(blob.keyColumn.table), kind).toContain(blob.keyColumn.column);
    }
  });

  it("lists a contact's identifiers among the columns erasure must search", () => {
    const identifiers = personalColumns({ subject: 'contact', categories: ['identifier'] }).map(
      (c) => `${c.table}.${c.column}`,
    );
    expect(identifiers).toEqual(
      expect.arrayContaining([
        'public.contacts.phone_e164',
        'public.contacts.email',
        'public.contacts.wa_id',
      ]),
    );
    expect(identifiers).not.toContain('public.users.email');
  });
});
