import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/agent/agent.js';
import type { ProfileField } from '../../src/agent/qualifier-settings.table.js';
import { upsertContact } from '../../src/contacts/contacts.repository.js';
import { applyProfileUpdates, type ProfileMarks } from '../../src/contacts/profile.js';
import { listDomainEvents } from '../../src/events/domain-events.repository.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ALL_FIELDS: ProfileField[] = ['first_name', 'last_name', 'company', 'email'];

let database: TestDatabase;
let tenantA: string;
let tenantB: string;
let phone = 393_331_000_000;

beforeAll(async () => {
  database = await createTestDatabase();
  tenantA = await newTenant(database.db, 'Tenant A');
  tenantB = await newTenant(database.db, 'Tenant B');
});

afterAll(async () => {
  await database?.drop();
});

async function newContact(tenantId = tenantA): Promise<string> {
  phone += 1;
  const contact = await withTenant(database.db, tenantId, (trx) =>
    upsertContact(trx, { phoneE164: `+${phone}`, displayName: 'WhatsApp name' }),
  );
  return contact.id;
}

function apply(
  contactId: string,
  updates: Partial<Profile>,
  requiredFields = ALL_FIELDS,
  tenantId = tenantA,
  marks: ProfileMarks = {},
) {
  return withTenant(database.db, tenantId, (trx) =>
    applyProfileUpdates(trx, contactId, updates, requiredFields, undefined, marks),
  );
}

/** Read as the owner: what is really stored, whatever the application role may see. */
async function storedContact(contactId: string) {
  const { rows } = await sql<{
    firstName: string | null;
    lastName: string | null;
    company: string | null;
    email: string | null;
    profileCompletedAt: Date | null;
    createdAt: Date;
    updatedAt: Date;
  }>`select first_name, last_name, company, email, profile_completed_at, created_at, updated_at
     from contacts where id = ${contactId}`.execute(database.ownerDb);
  return rows[0];
}

async function completionEvents(contactId: string) {
  const { rows } = await sql<{ tenantId: string; type: string; payload: Record<string, unknown> }>`
    select tenant_id, type, payload from domain_events where subject_id = ${contactId} order by id`.execute(
    database.ownerDb,
  );
  return rows;
}

describe('applyProfileUpdates', () => {
  it('fills fields one turn at a time and keeps created_at', async () => {
    const id = await newContact();
    const before = await storedContact(id);
    const first = await apply(id, { firstName: 'Maria' });
    expect(first.completedNow).toBe(false);
    expect(first.contact.firstName).toBe('Maria');
    await apply(id, { lastName: 'Rossi', company: 'Ferrari' });
    const after = await storedContact(id);
    expect(after).toMatchObject({ firstName: 'Maria', lastName: 'Rossi', company: 'Ferrari', email: null });
    expect(after?.createdAt.getTime()).toBe(before?.createdAt.getTime());
    expect(after?.profileCompletedAt).toBeNull();
    expect(await completionEvents(id)).toEqual([]);
  });

  it('never erases a known field with an empty, blank or null value', async () => {
    const id = await newContact();
    await apply(id, { firstName: 'João', lastName: 'da Silva', company: 'Acme' });
    const result = await apply(id, { firstName: '', lastName: '   ', company: null, email: null });
    expect(result.completedNow).toBe(false);
    expect(await storedContact(id)).toMatchObject({
      firstName: 'João',
      lastName: 'da Silva',
      company: 'Acme',
    });
  });

  it('overwrites a known field with a corrected value and tidies whitespace', async () => {
    const id = await newContact();
    await apply(id, { company: 'Acme' });
    await apply(id, { company: '  Acme   Ltd ' });
    expect((await storedContact(id))?.company).toBe('Acme Ltd');
  });

  it('stores the e-mail in the canonical form the accounts use', async () => {
    const id = await newContact();
    await apply(id, { email: '  John.Smith@ACME.Example.COM ' });
    expect((await storedContact(id))?.email).toBe('john.smith@acme.example.com');
  });

  it('refuses an invalid e-mail with a 400 error and changes nothing', async () => {
    const id = await newContact();
    await apply(id, { firstName: 'Ana' });
    await expect(apply(id, { firstName: 'Other', email: 'not-an-email' })).rejects.toMatchObject({
      code: 'validation_failed',
      status: 400,
    });
    expect(await storedContact(id)).toMatchObject({ firstName: 'Ana', email: null });
  });

  it('completes once every required field is known: sets completed_at and emits one profile.completed event', async () => {
    const id = await newContact();
    await apply(id, { firstName: 'Maria', lastName: 'Rossi', company: 'Ferrari' });
    const done = await apply(id, { email: 'maria@ferrari.example' });
    expect(done.completedNow).toBe(true);
    const stored = await storedContact(id);
    expect(stored?.profileCompletedAt).toBeInstanceOf(Date);

    const events = await completionEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tenantId: tenantA,
      type: 'profile.completed',
      payload: { firstName: 'Maria', lastName: 'Rossi', company: 'Ferrari', email: 'maria@ferrari.example' },
    });

    // Later corrections update the profile but neither move completed_at nor emit again.
    const later = await apply(id, { company: 'Ferrari S.p.A.' });
    expect(later.completedNow).toBe(false);
    const after = await storedContact(id);
    expect(after?.company).toBe('Ferrari S.p.A.');
    expect(after?.profileCompletedAt?.getTime()).toBe(stored?.profileCompletedAt?.getTime());
    expect(await completionEvents(id)).toHaveLength(1);
  });

  it('uses the tenant’s required fields: e-mail alone can complete a profile', async () => {
    const id = await newContact();
    const result = await apply(id, { email: 'solo@example.com' }, ['email']);
    expect(result.completedNow).toBe(true);
    expect(await completionEvents(id)).toHaveLength(1);
  });

  it('lets readers walk the events of their tenant only', async () => {
    const id = await newContact(tenantB);
    await apply(id, { email: 'b@example.com' }, ['email'], tenantB);
    const seenByB = await withTenant(database.db, tenantB, (trx) =>
      listDomainEvents(trx, { type: 'profile.completed', limit: 100 }),
    );
    expect(seenByB.map((event) => event.subjectId)).toEqual([id]);
    const seenByA = await withTenant(database.db, tenantA, (trx) =>
      listDomainEvents(trx, { type: 'profile.completed', limit: 100 }),
    );
    expect(seenByA.map((event) => event.subjectId)).not.toContain(id);
  });

  it('writes nothing when the caller’s transaction rolls back', async () => {
    const id = await newContact();
    await expect(
      withTenant(database.db, tenantA, async (trx) => {
        await applyProfileUpdates(trx, id, { email: 'x@example.com' }, ['email']);
        throw new Error('the message processing failed later');
      }),
    ).rejects.toThrow('the message processing failed later');
    expect(await storedContact(id)).toMatchObject({ email: null, profileCompletedAt: null });
    expect(await completionEvents(id)).toEqual([]);
  });

  it('does not reach another tenant’s contact', async () => {
    const id = await newContact(tenantB);
    await expect(apply(id, { firstName: 'Intruder' }, ALL_FIELDS, tenantA)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await storedContact(id))?.firstName).toBeNull();
  });

  it('emits exactly one event when two turns complete the same profile at once', async () => {
    const id = await newContact();
    await apply(id, { firstName: 'Maria', lastName: 'Rossi' });
    const results = await Promise.all([
      apply(id, { company: 'Ferrari', email: 'maria@ferrari.example' }),
      apply(id, { company: 'Ferrari', email: 'maria@ferrari.example' }),
    ]);
    expect(results.filter((result) => result.completedNow)).toHaveLength(1);
    expect(await completionEvents(id)).toHaveLength(1);
  });

  it('records "no company": the profile completes without one, and a company given later replaces the mark', async () => {
    const id = await newContact();
    await apply(id, { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' });
    const { contact, completedNow } = await apply(id, {}, ALL_FIELDS, tenantA, { companyNone: true });
    expect(completedNow).toBe(true);
    expect(contact).toMatchObject({ company: null, companyNone: true });
    expect(contact.profileCompletedAt).toBeInstanceOf(Date);
    const { contact: later } = await apply(id, { company: 'Lee Studio' });
    expect(later).toMatchObject({ company: 'Lee Studio', companyNone: false });
  });

  it('marks the profile confirmed once, keeping the first time', async () => {
    const id = await newContact();
    const first = await apply(id, { email: 'bo@example.com' }, ALL_FIELDS, tenantA, { confirmed: true });
    const confirmedAt = first.contact.profileConfirmedAt;
    expect(confirmedAt).toBeInstanceOf(Date);
    const again = await apply(id, { firstName: 'Bo' }, ALL_FIELDS, tenantA, { confirmed: true });
    expect(again.contact.profileConfirmedAt).toEqual(confirmedAt);
  });
});
