import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listContacts, upsertContact } from '../../src/contacts/contacts.repository.js';
import { appRoleProblems, inspectAppRole } from '../../src/platform/db/app-role.js';
import { createDb, createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { createTenant, findCurrentTenant } from '../../src/tenants/tenants.repository.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  database = await createTestDatabase();
  tenantA = (await createTenant(database.db, { name: 'Tenant A' })).id;
  tenantB = (await createTenant(database.db, { name: 'Tenant B' })).id;
  await withTenant(database.db, tenantA, (trx) =>
    upsertContact(trx, { phoneE164: '+393331234567', displayName: 'A1' }),
  );
  await withTenant(database.db, tenantB, (trx) =>
    upsertContact(trx, { phoneE164: '+5511987654321', displayName: 'B1' }),
  );
});

afterAll(async () => {
  await database.drop();
});

describe('row-level security catalog', () => {
  it('every table with tenant_id (and tenants itself) has RLS enabled and forced with at least one policy', async () => {
    const { rows } = await sql<{ table: string; enabled: boolean; forced: boolean; policies: number }>`
      select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
             (select count(*) from pg_policy p where p.polrelid = c.oid)::int as policies
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and (c.relname = 'tenants' or exists (
          select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
      order by c.relname`.execute(database.ownerDb);
    expect(rows.map((r) => r.table)).toEqual(expect.arrayContaining(['contacts', 'tenants']));
    for (const row of rows) {
      expect(row, `${row.table} must have RLS enabled, forced and a policy`).toMatchObject({
        enabled: true,
        forced: true,
      });
      expect(row.policies, `${row.table} policies`).toBeGreaterThan(0);
    }
  });

  it('the application role is not an owner, superuser or BYPASSRLS', async () => {
    const report = await inspectAppRole(database.db);
    expect(report.role).toBe('leadline_app');
    expect(appRoleProblems(report)).toEqual([]);
  });

  it('the owner connection is reported as unsafe for the application', async () => {
    const problems = appRoleProblems(await inspectAppRole(database.ownerDb));
    expect(problems.length).toBeGreaterThan(0);
  });
});

describe('tenant context', () => {
  it('with no tenant set, tenant tables return zero rows', async () => {
    const contacts = await database.db.selectFrom('contacts').selectAll().execute();
    const tenants = await database.db.selectFrom('tenants').selectAll().execute();
    expect(contacts).toEqual([]);
    expect(tenants).toEqual([]);
  });

  it('a tenant sees only its own rows', async () => {
    const seenByA = await withTenant(database.db, tenantA, (trx) => listContacts(trx));
    expect(seenByA.map((c) => c.displayName)).toEqual(['A1']);
    const current = await withTenant(database.db, tenantB, (trx) => findCurrentTenant(trx));
    expect(current?.name).toBe('Tenant B');
  });

  it("tenant A cannot update or delete tenant B's rows", async () => {
    await withTenant(database.db, tenantA, async (trx) => {
      const updated = await trx.updateTable('contacts').set({ displayName: 'hijacked' }).executeTakeFirst();
      const deleted = await trx.deleteFrom('contacts').where('displayName', '=', 'B1').executeTakeFirst();
      expect(deleted.numDeletedRows).toBe(0n);
      expect(updated.numUpdatedRows).toBe(1n); // only its own row
    });
    const bRows = await withTenant(database.db, tenantB, (trx) => listContacts(trx));
    expect(bRows.map((c) => c.displayName)).toEqual(['B1']);
  });

  it('tenant A cannot insert a row into tenant B', async () => {
    await expect(
      withTenant(database.db, tenantA, (trx) =>
        trx.insertInto('contacts').values({ tenantId: tenantB, phoneE164: '+14155550100' }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('a pooled connection never carries a tenant into the next transaction', async () => {
    const pool = createPool({ connectionString: database.appUrl, max: 1, applicationName: 'pool-leak-test' });
    const single = createDb(pool);
    try {
      await withTenant(single, tenantA, async (trx) => {
        const inside = await sql<{ t: string }>`select current_setting('app.tenant_id', true) as t`.execute(
          trx,
        );
        expect(inside.rows[0]?.t).toBe(tenantA);
      });
      const after = await sql<{
        t: string | null;
      }>`select current_setting('app.tenant_id', true) as t`.execute(single);
      expect(after.rows[0]?.t ?? '').toBe('');
      expect(await single.selectFrom('contacts').selectAll().execute()).toEqual([]);
      const tx = await single
        .transaction()
        .execute((trx) => trx.selectFrom('contacts').selectAll().execute());
      expect(tx).toEqual([]);
    } finally {
      await single.destroy();
    }
  });

  it('a malformed tenant id is refused before reaching the database', async () => {
    await expect(withTenant(database.db, "x' or '1'='1", async () => 1)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('an upsert keeps created_at and never erases a known name with an empty one', async () => {
    const first = await withTenant(database.db, tenantA, (trx) =>
      upsertContact(trx, { phoneE164: '+447700900123', displayName: 'Ada' }),
    );
    const second = await withTenant(database.db, tenantA, (trx) =>
      upsertContact(trx, { phoneE164: '+447700900123', displayName: null }),
    );
    expect(second.id).toBe(first.id);
    expect(second.createdAt).toEqual(first.createdAt);
    expect(second.displayName).toBe('Ada');
  });
});
