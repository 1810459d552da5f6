import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { searchPersonalData } from '../../src/privacy/personal-data-search.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { testConfig } from '../support/config.js';
import { insertTestMessage } from '../support/inbox-fixtures.js';
import { createConversation } from '../support/outbound-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let tenantA: string;
let tenantB: string;
const mario = { phone: '+39 333 765 4321', email: 'mario.rossi@example.com', name: 'Mario Rossi' };

beforeAll(async () => {
  database = await createTestDatabase();
  tenantA = (await createTenant(database.db, { name: 'A' })).id;
  tenantB = (await createTenant(database.db, { name: 'B' })).id;
  const conversation = await createConversation(database.db, testConfig(), {
    tenantId: tenantA,
    accessToken: 't',
  });
  await withTenant(database.db, tenantA, async (trx) => {
    await trx
      .updateTable('contacts')
      .set({ phoneE164: '+393337654321', waId: '393337654321', email: mario.email, displayName: mario.name })
      .where('id', '=', conversation.contactId)
      .execute();
    await insertTestMessage(trx, {
      conversationId: conversation.conversationId,
      channelId: conversation.channelId,
      text: 'Hi, I am Mario Rossi, call me back',
    });
  });
  // The raw webhook as Meta sent it: the number without "+", in bytes.
  await sql`
    insert into whatsapp_webhook_events (tenant_id, channel_id, request_id, body)
    values (${tenantA}, ${conversation.channelId}, 'req-1',
            convert_to('{"contacts":[{"wa_id":"393337654321","profile":{"name":"Mario"}}]}', 'UTF8'))`.execute(
    database.ownerDb,
  );
  await createConversation(database.db, testConfig(), { tenantId: tenantB, accessToken: 't' });
});

afterAll(async () => {
  await database.drop();
});

const located = (hits: { table: string; column: string }[]) => hits.map((h) => `${h.table}.${h.column}`);

describe('searching every registered column for a person', () => {
  it('finds a phone number in the contact, its provider id and the raw webhook payload', async () => {
    const hits = located(await searchPersonalData(database.ownerDb, { phone: mario.phone }));
    expect(hits).toEqual(
      expect.arrayContaining([
        'public.contacts.phone_e164',
        'public.contacts.wa_id',
        'public.whatsapp_webhook_events.body',
      ]),
    );
  });

  it('finds an e-mail address and a name wherever they were written, messages included', async () => {
    expect(
      located(await searchPersonalData(database.ownerDb, { email: 'MARIO.ROSSI@example.com' })),
    ).toContain('public.contacts.email');
    const byName = await searchPersonalData(database.ownerDb, { name: mario.name });
    expect(located(byName)).toEqual(
      expect.arrayContaining(['public.contacts.display_name', 'public.messages.text']),
    );
    expect(byName.find((h) => h.table === 'public.messages')?.rows).toBe(1);
  });

  it('finds nothing of a person who is not there, and nothing of this one in another workspace', async () => {
    expect(
      await searchPersonalData(database.ownerDb, { phone: '+44 20 7946 0000', name: 'Nobody Here' }),
    ).toEqual([]);
    expect(await searchPersonalData(database.ownerDb, mario, { tenantId: tenantB })).toEqual([]);
    expect((await searchPersonalData(database.ownerDb, mario, { tenantId: tenantA })).length).toBeGreaterThan(
      3,
    );
  });

  it('refuses terms too short to prove anything', async () => {
    await expect(searchPersonalData(database.ownerDb, { name: 'Ann' })).rejects.toThrow(/five characters/);
    await expect(searchPersonalData(database.ownerDb, {})).rejects.toThrow(/five characters/);
  });

  it('fails, rather than finding nothing, on a connection row-level security would filter', async () => {
    await expect(searchPersonalData(database.db, { phone: mario.phone })).rejects.toThrow(
      /row-level security/,
    );
  });
});
