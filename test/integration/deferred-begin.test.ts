import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listContacts, upsertContact } from '../../src/contacts/contacts.repository.js';
import { createDb, type Db } from '../../src/platform/db/database.js';
import { resultFree } from '../../src/platform/db/deferred-begin.js';
import type { Database } from '../../src/platform/db/schema.js';
import { type TenantTransaction, withTenant } from '../../src/platform/db/tenant-context.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** What reached PostgreSQL, one entry per round trip (node-postgres sends one query at a time). */
const sent: string[] = [];

class RecordingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() is heavily overloaded; this only records.
  override query(...args: any[]): any {
    const [first] = args;
    sent.push(typeof first === 'string' ? first : String(first?.text ?? first));
    // biome-ignore lint/suspicious/noExplicitAny: forwarded as received.
    return (super.query as any)(...args);
  }
}

let database: TestDatabase;
let db: Db;
let tenantId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // One connection: what a transaction leaves on it is what the next one finds.
  db = createDb(new pg.Pool({ connectionString: database.appUrl, max: 1, Client: RecordingClient }));
  tenantId = (await createTenant(database.db, { name: 'Deferred' })).id;
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

beforeEach(() => {
  sent.length = 0;
});

/** An open transaction bound to the test tenant, as withTenant binds its own. */
async function bound<T extends Transaction<Database>>(trx: T): Promise<TenantTransaction> {
  await resultFree(`select set_config('app.tenant_id', '${tenantId}', true)`).execute(trx);
  return trx as unknown as TenantTransaction;
}

describe('transactions with BEGIN deferred to their first statement', () => {
  it('opens a tenant transaction in one round trip and commits its work', async () => {
    const tenant = await withTenant(db, tenantId, async (trx) => {
      await upsertContact(trx, { phoneE164: '+393331112222', displayName: 'Ada', waId: null });
      const { rows } = await sql<{
        tenant: string;
      }>`select current_setting('app.tenant_id') as tenant`.execute(trx);
      return rows[0]?.tenant;
    });
    expect(tenant).toBe(tenantId);
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatch(
      /^begin; \/\* result-free \*\/ select set_config\('app\.tenant_id', '[0-9a-f-]{36}', true\)$/,
    );
    expect(sent[3]).toBe('commit');
    const contacts = await withTenant(db, tenantId, (trx) => listContacts(trx));
    expect(contacts.map((contact) => contact.phoneE164)).toContain('+393331112222');
  });

  it('rolls the whole transaction back when its work fails, and leaves no tenant on the connection', async () => {
    await expect(
      withTenant(db, tenantId, async (trx) => {
        await upsertContact(trx, { phoneE164: '+393339990000', displayName: 'Rolled', waId: null });
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(sent.at(-1)).toBe('rollback');
    const contacts = await withTenant(db, tenantId, (trx) => listContacts(trx));
    expect(contacts.map((contact) => contact.phoneE164)).not.toContain('+393339990000');
    const { rows } = await sql<{ tenant: string | null }>`
      select nullif(current_setting('app.tenant_id', true), '') as tenant`.execute(db);
    expect(rows[0]?.tenant).toBeNull();
  });

  it('sends BEGIN on its own before a first statement that has parameters, whose rows come back', async () => {
    const rows = await db.transaction().execute(async (trx) => {
      const result = await sql<{ n: number }>`select ${41}::int + 1 as n`.execute(trx);
      const { rows: status } = await sql<{ open: boolean }>`
        select now() = statement_timestamp() as open`.execute(trx);
      return [...result.rows, ...status];
    });
    expect(rows).toEqual([{ n: 42 }, { open: false }]);
    expect(sent.slice(0, 2)).toEqual(['begin', 'select $1::int + 1 as n']);
    expect(sent.at(-1)).toBe('commit');
  });

  it('sends nothing for a transaction that ran no statement', async () => {
    await db.transaction().execute(async () => undefined);
    await expect(
      db.transaction().execute(async () => {
        throw new Error('before any statement');
      }),
    ).rejects.toThrow('before any statement');
    expect(sent).toEqual([]);
  });

  it('keeps BEGIN with its isolation level as Kysely sends it', async () => {
    const level = await db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => {
        await resultFree('select 1').execute(trx);
        const { rows } = await sql<{ level: string }>`
          select current_setting('transaction_isolation') as level`.execute(trx);
        return rows[0]?.level;
      });
    expect(level).toBe('serializable');
    expect(sent[0]).toBe('start transaction isolation level serializable');
  });

  it('sends BEGIN before a savepoint that comes first, and savepoints work as usual', async () => {
    const trx = await db.startTransaction().execute();
    const withSavepoint = await trx.savepoint('before_insert').execute();
    await upsertContact(await bound(withSavepoint), {
      phoneE164: '+393337770000',
      displayName: null,
      waId: null,
    });
    const rolledBack = await withSavepoint.rollbackToSavepoint('before_insert').execute();
    await rolledBack.commit().execute();
    expect(sent[0]).toBe('begin');
    expect(sent[1]).toMatch(/^savepoint "before_insert"$/);
    const contacts = await withTenant(db, tenantId, (tenantTrx) => listContacts(tenantTrx));
    expect(contacts.map((contact) => contact.phoneE164)).not.toContain('+393337770000');
  });

  it('recovers the connection after a first statement that fails', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`select 1 / ${0}::int`.execute(trx);
      }),
    ).rejects.toThrow(/division by zero/);
    expect(sent).toEqual(['begin', 'select 1 / $1::int', 'rollback']);
    const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(db);
    expect(rows).toEqual([{ ok: 1 }]);
  });
});
