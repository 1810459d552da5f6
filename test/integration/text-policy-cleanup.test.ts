import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api-keys/api-keys.service.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { createLabel } from '../../src/labels/labels.service.js';
import { up } from '../../src/platform/db/migrations/20261206_1100_text_policy_cleanup.js';
import { testConfig } from '../support/config.js';
import { seedConversation } from '../support/inbox-fixtures.js';
import { newTenant, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Names stored before the text policy (through code paths that did not check it) are cleaned by the
 * 20261206_1100 migration: what the policy forbids is removed, blank results get a neutral value.
 */

let database: TestDatabase;
const CONTEXT = { requestId: 'cleanup', ip: '127.0.0.1', userAgent: 'vitest' };

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe('the text-policy cleanup migration', () => {
  it('removes control and direction characters from stored names and keeps clean ones as they are', async () => {
    const db = database.db;
    const config = testConfig();
    const dirtyTenant = await newTenant(db, ' Acme\u202Egnp.exe ');
    const cleanTenant = await newTenant(db, 'شركة النور');
    const blankTenant = await newTenant(db, '\u2066\u2069');
    const owner = await signedInMember(db, config, { tenantId: dirtyTenant, role: 'owner' });
    const actor = { userId: owner.userId, apiKeyId: null, context: CONTEXT };
    await database.ownerDb
      .updateTable('users')
      .set({ displayName: 'Eve\u0007\u202E' })
      .where('id', '=', owner.userId)
      .execute();
    const key = await createApiKey(db, dirtyTenant, actor, {
      name: 'Key\u001b[2J',
      scopes: ['admin'],
      expiresAt: null,
    });
    const { channel } = await createChannel(db, config, dirtyTenant, actor, {
      name: 'Sales\u2067 line',
      phoneNumberId: '340000000001',
      displayPhoneNumber: '+1 555 000 0000',
      wabaId: '102290129340398',
      accessToken: 'EAAG-cleanup-token',
      appSecret: 'cleanup-app-secret',
    });
    const { contactId } = await seedConversation(db, dirtyTenant, channel.id, {
      phoneE164: '+393330000077',
      firstName: 'Ann\u0085',
      lastName: '\u202E',
      company: 'Clean Co',
    });
    const clash = await createLabel(db, dirtyTenant, actor, { name: 'VIP', color: '#336699' });
    const dirtyLabel = await createLabel(db, dirtyTenant, actor, { name: 'VIP\u200F', color: '#336699' });

    await up(database.ownerDb as unknown as Kysely<unknown>);

    const owner$ = database.ownerDb;
    const tenants = await owner$.selectFrom('tenants').select(['id', 'name']).execute();
    const nameOf = (id: string) => tenants.find((tenant) => tenant.id === id)?.name;
    expect(nameOf(dirtyTenant)).toBe('Acmegnp.exe');
    expect(nameOf(cleanTenant)).toBe('شركة النور');
    expect(nameOf(blankTenant)).toBe('Workspace');
    const user = await owner$
      .selectFrom('users')
      .select('displayName')
      .where('id', '=', owner.userId)
      .executeTakeFirst();
    expect(user?.displayName).toBe('Eve');
    const keyRow = await owner$
      .selectFrom('apiKeys')
      .select('name')
      .where('id', '=', key.summary.id)
      .executeTakeFirst();
    expect(keyRow?.name).toBe('Key[2J');
    const channelRow = await owner$
      .selectFrom('whatsappChannels')
      .select('name')
      .where('id', '=', channel.id)
      .executeTakeFirst();
    expect(channelRow?.name).toBe('Sales line');
    const contact = await owner$
      .selectFrom('contacts')
      .select(['firstName', 'lastName', 'company'])
      .where('id', '=', contactId)
      .executeTakeFirst();
    expect(contact).toEqual({ firstName: 'Ann', lastName: null, company: 'Clean Co' });
    const labels = await owner$.selectFrom('labels').select(['id', 'name']).execute();
    expect(labels.find((label) => label.id === clash.id)?.name).toBe('VIP');
    expect(labels.find((label) => label.id === dirtyLabel.id)?.name).toBe(`VIP ${dirtyLabel.id.slice(0, 8)}`);

    // Running it again changes nothing.
    await up(database.ownerDb as unknown as Kysely<unknown>);
    expect(await owner$.selectFrom('tenants').select(['id', 'name']).execute()).toEqual(tenants);
  });
});
