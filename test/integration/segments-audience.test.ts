import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import type { ConsentChannel, ConsentState } from '../../src/contacts/consent/consent.table.js';
import type { Config } from '../../src/platform/config/config.js';
import { type TenantTransaction, withTenant } from '../../src/platform/db/tenant-context.js';
import { suppress } from '../../src/privacy/suppression.js';
import { type SegmentFilter, segmentContactIds, segmentFilterSchema } from '../../src/segments/audience.js';
import {
  type AudienceChannel,
  audiencePreview,
  eligibleContactIds,
  recipientEligibility,
} from '../../src/segments/eligibility.js';
import { buildTestApp } from '../support/app.js';
import { insertTestMessage, seedConversation } from '../support/inbox-fixtures.js';
import { newTenant, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The segment filter compiler and channel eligibility (ADR 0040), on real PostgreSQL under RLS. */
const CONTEXT = { requestId: 'segments-test', ip: '127.0.0.1', userAgent: 'vitest' };
const DAY = 86_400_000;

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let tenantId: string;
let otherTenant: string;
let channelId: string;
let otherChannelId: string;
const ids: Record<string, string> = {};
let vipLabel: string;
let hotLabel: string;
let secondStage: string;
let firstStage: string;
let importId: string;

async function channelFor(tenant: string, phoneNumberId: string): Promise<string> {
  const owner = await signedInMember(database.db, config, { tenantId: tenant, role: 'admin' });
  const created = await createChannel(
    database.db,
    config,
    tenant,
    { userId: owner.userId, apiKeyId: null, context: CONTEXT },
    {
      name: `Line ${phoneNumberId}`,
      phoneNumberId,
      displayPhoneNumber: '+1 555 078 3977',
      wabaId: `10229012934${phoneNumberId.slice(-4)}`,
      accessToken: 'EAAG-segments-token',
      appSecret: 'app-secret-segments-0123456789ab',
    },
  );
  return created.channel.id;
}

function inTenant<T>(work: (trx: TenantTransaction) => Promise<T>, tenant = tenantId): Promise<T> {
  return withTenant(database.db, tenant, work);
}

async function consent(contactId: string, channel: ConsentChannel, state: ConsentState, tenant = tenantId) {
  await inTenant(
    (trx) =>
      recordConsent(trx, {
        contactId,
        channel,
        state,
        source: state === 'opted_out' ? 'customer' : 'operator',
      }),
    tenant,
  );
}

async function matching(filter: unknown, tenant = tenantId): Promise<string[]> {
  const parsed = segmentFilterSchema.parse(filter);
  const rows = await inTenant((trx) => segmentContactIds(trx, parsed).execute(), tenant);
  const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  return rows.map((row) => names[row.contactId] ?? row.contactId).sort();
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantId = await newTenant(database.db, 'Segments');
  otherTenant = await newTenant(database.db, 'Other');
  channelId = await channelFor(tenantId, '106540352240001');
  otherChannelId = await channelFor(otherTenant, '106540352240002');
  const now = Date.now();
  // ana: inbound 2 days ago, VIP+HOT, second stage, WhatsApp opt-in, plan=gold, score 80, renewal 2027-03-01
  const ana = await seedConversation(
    database.db,
    tenantId,
    channelId,
    { phoneE164: '+393471000001', firstName: 'Ana', email: 'ana@example.com' },
    [{ direction: 'inbound', text: 'hi', sentAt: new Date(now - 2 * DAY) }],
  );
  // bruno: our message 40 days ago, VIP only, opted out of WhatsApp, plan=silver
  const bruno = await seedConversation(
    database.db,
    tenantId,
    channelId,
    { phoneE164: '+393471000002', firstName: 'Bruno' },
    [{ direction: 'outbound', text: 'offer', sentAt: new Date(now - 40 * DAY) }],
  );
  // carla: no messages, no labels, never asked; a number no phone plan has
  const carla = await seedConversation(database.db, tenantId, channelId, {
    phoneE164: '+1234567',
    firstName: 'Carla',
  });
  // dario: erased before (suppressed), opted in
  const dario = await seedConversation(database.db, tenantId, channelId, {
    phoneE164: '+393471000004',
    firstName: 'Dario',
    email: 'dario@example.com',
  });
  // The other tenant's contact matches everything it could.
  const outsider = await seedConversation(database.db, otherTenant, otherChannelId, {
    phoneE164: '+393471000001',
    firstName: 'Outsider',
  });
  Object.assign(ids, {
    ana: ana.contactId,
    bruno: bruno.contactId,
    carla: carla.contactId,
    dario: dario.contactId,
    outsider: outsider.contactId,
  });
  await inTenant(async (trx) => {
    const [vip, hot] = await trx
      .insertInto('labels')
      .values([
        { name: 'VIP', color: '#aa0000' },
        { name: 'Hot', color: '#00aa00' },
      ])
      .returning('id')
      .execute();
    vipLabel = vip?.id ?? '';
    hotLabel = hot?.id ?? '';
    await trx
      .insertInto('conversationLabels')
      .values([
        { conversationId: ana.conversationId, labelId: vipLabel },
        { conversationId: ana.conversationId, labelId: hotLabel },
        { conversationId: bruno.conversationId, labelId: vipLabel },
      ])
      .execute();
    await trx
      .insertInto('pipelineStages')
      .values([
        { name: 'New', position: 0 },
        { name: 'Talking', position: 1 },
      ])
      .execute();
    const stages = await trx
      .selectFrom('pipelineStages')
      .select(['id', 'position'])
      .orderBy('position')
      .execute();
    firstStage = stages[0]?.id ?? '';
    secondStage = stages[1]?.id ?? '';
    await trx
      .insertInto('customFieldDefinitions')
      .values([
        { key: 'plan', label: 'Plan', type: 'text' },
        { key: 'score', label: 'Score', type: 'number' },
        { key: 'renewal', label: 'Renewal', type: 'date' },
      ])
      .execute();
    await trx
      .updateTable('contacts')
      .set({
        stageId: secondStage,
        source: 'import',
        customFields: JSON.stringify({ plan: 'gold', score: 80, renewal: '2027-03-01' }),
      })
      .where('id', '=', ana.contactId)
      .execute();
    await trx
      .updateTable('contacts')
      .set({ customFields: JSON.stringify({ plan: 'silver', score: 12 }), source: 'whatsapp' })
      .where('id', '=', bruno.contactId)
      .execute();
    await trx
      .updateTable('contacts')
      .set({ customFields: JSON.stringify({ plan: '' }) })
      .where('id', '=', carla.contactId)
      .execute();
    const created = await trx
      .insertInto('contactImports')
      .values({
        fileName: 'leads.csv',
        blobParts: ['x'],
        sizeBytes: 10,
        encoding: 'utf-8',
        delimiter: ',',
        headers: JSON.stringify(['phone']),
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    importId = created.id;
    await trx
      .insertInto('contactImportChanges')
      .values([
        { importId, contactId: ana.contactId, created: true, before: null },
        { importId, contactId: bruno.contactId, created: false, before: JSON.stringify({}) },
      ] as never)
      .execute();
  });
  await consent(ana.contactId, 'whatsapp', 'opted_in');
  await consent(ana.contactId, 'email_marketing', 'opted_in');
  await consent(bruno.contactId, 'whatsapp', 'opted_in');
  await consent(bruno.contactId, 'whatsapp', 'opted_out');
  await consent(dario.contactId, 'whatsapp', 'opted_in');
  await consent(dario.contactId, 'email_marketing', 'opted_in');
  await consent(outsider.contactId, 'whatsapp', 'opted_in', otherTenant);
  await inTenant((trx) => suppress(trx, config.secretKey, { phone: '+393471000004' }));
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('segment filter compiler', () => {
  it('an empty filter is every contact of the workspace, never another', async () => {
    expect(await matching({})).toEqual(['ana', 'bruno', 'carla', 'dario']);
    expect(await matching({}, otherTenant)).toEqual(['outsider']);
  });

  it('labels: any of them or all of them', async () => {
    expect(await matching({ labels: { match: 'any', labelIds: [vipLabel, hotLabel] } })).toEqual([
      'ana',
      'bruno',
    ]);
    expect(await matching({ labels: { match: 'all', labelIds: [vipLabel, hotLabel] } })).toEqual(['ana']);
    // Another workspace's view of the same label id finds nothing (row-level security).
    expect(await matching({ labels: { match: 'any', labelIds: [vipLabel] } }, otherTenant)).toEqual([]);
  });

  it('stages: a contact without a stage is in the first one', async () => {
    expect(await matching({ stageIds: [secondStage] })).toEqual(['ana']);
    expect(await matching({ stageIds: [firstStage] })).toEqual(['bruno', 'carla', 'dario']);
  });

  it('custom fields: equals, contains, empty, not empty, number and date comparisons', async () => {
    expect(await matching({ fields: [{ key: 'plan', op: 'equals', value: 'gold' }] })).toEqual(['ana']);
    expect(await matching({ fields: [{ key: 'plan', op: 'contains', value: 'ILV' }] })).toEqual(['bruno']);
    expect(await matching({ fields: [{ key: 'plan', op: 'empty' }] })).toEqual(['carla', 'dario']);
    expect(await matching({ fields: [{ key: 'plan', op: 'not_empty' }] })).toEqual(['ana', 'bruno']);
    expect(await matching({ fields: [{ key: 'score', op: 'gt', value: 50 }] })).toEqual(['ana']);
    expect(await matching({ fields: [{ key: 'score', op: 'lte', value: 12 }] })).toEqual(['bruno']);
    expect(await matching({ fields: [{ key: 'renewal', op: 'after', value: '2027-01-01' }] })).toEqual([
      'ana',
    ]);
    expect(await matching({ fields: [{ key: 'renewal', op: 'before', value: '2027-01-01' }] })).toEqual([]);
    // A number compared against a text value never fails the query: it just does not match.
    expect(await matching({ fields: [{ key: 'plan', op: 'gt', value: 1 }] })).toEqual([]);
  });

  it('values that look like SQL or JSON are data', async () => {
    const hostile = ["gold' or '1'='1", '%', '_', '\\', '"}, "plan": "gold', "'); drop table contacts; --"];
    for (const value of hostile) {
      expect(await matching({ fields: [{ key: 'plan', op: 'equals', value }] })).toEqual([]);
      expect(await matching({ fields: [{ key: 'plan', op: 'contains', value }] })).toEqual([]);
    }
    expect(await matching({})).toHaveLength(4);
  });

  it('refuses keys and values outside the schema', () => {
    const bad: unknown[] = [
      { fields: [{ key: "plan'--", op: 'equals', value: 'x' }] },
      { fields: [{ key: 'Plan', op: 'equals', value: 'x' }] },
      { fields: [{ key: 'plan', op: 'equals', value: 'a\u0000b' }] },
      { fields: [{ key: 'plan', op: 'drop', value: 'x' }] },
      { fields: [{ key: 'score', op: 'gt', value: '1; select 1' }] },
      { fields: [{ key: 'renewal', op: 'before', value: '0000-01-01' }] },
      { labels: { match: 'any', labelIds: ['not-a-uuid'] } },
      { lastActivity: { direction: 'any' } },
      { lastActivity: { direction: 'any', after: '-010000-01-01T00:00:00Z' } },
      { importChange: 'created' },
      { unknown: true },
      { sources: ['carrier-pigeon'] },
    ];
    for (const filter of bad)
      expect(segmentFilterSchema.safeParse(filter).success, JSON.stringify(filter)).toBe(false);
  });

  it('sources, last activity and imports', async () => {
    expect(await matching({ sources: ['import'] })).toEqual(['ana']);
    expect(await matching({ lastActivity: { direction: 'any', withinDays: 7 } })).toEqual(['ana']);
    expect(await matching({ lastActivity: { direction: 'any', olderThanDays: 30 } })).toEqual(['bruno']);
    expect(await matching({ lastActivity: { direction: 'inbound', withinDays: 30 } })).toEqual(['ana']);
    expect(await matching({ lastActivity: { direction: 'outbound', withinDays: 60 } })).toEqual(['bruno']);
    const tenDaysAgo = new Date(Date.now() - 10 * DAY).toISOString();
    expect(await matching({ lastActivity: { direction: 'any', after: tenDaysAgo } })).toEqual(['ana']);
    expect(await matching({ lastActivity: { direction: 'any', before: tenDaysAgo } })).toEqual(['bruno']);
    expect(await matching({ importId })).toEqual(['ana', 'bruno']);
    expect(await matching({ importId, importChange: 'created' })).toEqual(['ana']);
    expect(await matching({ importId, importChange: 'updated' })).toEqual(['bruno']);
    expect(await matching({ importId }, otherTenant)).toEqual([]);
  });

  it('conditions combine with AND', async () => {
    expect(
      await matching({
        labels: { match: 'any', labelIds: [vipLabel] },
        fields: [{ key: 'score', op: 'lt', value: 50 }],
      }),
    ).toEqual(['bruno']);
  });
});

describe('eligibility per channel', () => {
  async function preview(filter: SegmentFilter, channel: AudienceChannel) {
    return inTenant((trx) => audiencePreview(trx, filter, channel));
  }

  it('WhatsApp: consent, opt-out, invalid number and suppression, each counted once', async () => {
    expect(await preview({}, 'whatsapp')).toEqual({
      total: 4,
      eligible: 1,
      excluded: { suppressed: 1, opted_out: 1, invalid_number: 1, no_email: 0, no_consent: 0 },
      excludedByCaller: 0,
    });
    const eligible = await inTenant((trx) => eligibleContactIds(trx, {}, 'whatsapp').execute());
    expect(eligible.map((row) => row.contactId)).toEqual([ids.ana]);
  });

  it('SMS: nobody consented to SMS', async () => {
    const result = await preview({}, 'sms');
    expect(result.eligible).toBe(0);
    expect(result.excluded).toEqual({
      suppressed: 1,
      opted_out: 0,
      invalid_number: 1,
      no_email: 0,
      no_consent: 2,
    });
    expect(await inTenant((trx) => eligibleContactIds(trx, {}, 'sms').execute())).toEqual([]);
  });

  it('e-mail: no address is its own reason', async () => {
    const result = await preview({}, 'email');
    expect(result).toMatchObject({ total: 4, eligible: 1 });
    expect(result.excluded).toEqual({
      suppressed: 1,
      opted_out: 0,
      invalid_number: 0,
      no_email: 2,
      no_consent: 0,
    });
    // The frozen audience and the preview agree (one is set-based, the other a verdict per contact).
    const eligible = await inTenant((trx) => eligibleContactIds(trx, {}, 'email').execute());
    expect(eligible).toHaveLength(result.eligible);
  });

  it('contacts the caller excludes are counted apart and never eligible', async () => {
    const result = await inTenant((trx) =>
      audiencePreview(trx, {}, 'whatsapp', {
        excludeContactIds: trx
          .selectFrom('contacts')
          .select('id as contactId')
          .where('id', '=', ids.ana ?? ''),
      }),
    );
    expect(result).toMatchObject({ total: 4, eligible: 0, excludedByCaller: 1 });
  });

  it('the send-time check agrees, and follows the ledger', async () => {
    const check = (name: string, channel: AudienceChannel) =>
      inTenant((trx) => recipientEligibility(trx, ids[name] ?? '', channel));
    expect(await check('ana', 'whatsapp')).toEqual({ eligible: true });
    expect(await check('bruno', 'whatsapp')).toEqual({ eligible: false, reason: 'opted_out' });
    expect(await check('carla', 'whatsapp')).toEqual({ eligible: false, reason: 'invalid_number' });
    expect(await check('dario', 'whatsapp')).toEqual({ eligible: false, reason: 'suppressed' });
    expect(await check('bruno', 'email')).toEqual({ eligible: false, reason: 'no_email' });
    await consent(ids.ana ?? '', 'whatsapp', 'opted_out');
    expect(await check('ana', 'whatsapp')).toEqual({ eligible: false, reason: 'opted_out' });
    await consent(ids.ana ?? '', 'whatsapp', 'opted_in');
    // Another workspace's contact does not exist here.
    await expect(
      inTenant((trx) => recipientEligibility(trx, ids.outsider ?? '', 'whatsapp')),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('a suppressed person who writes again is eligible again', async () => {
    await inTenant(async (trx) => {
      const conversation = await trx
        .selectFrom('conversations')
        .select('id')
        .where('contactId', '=', ids.dario ?? '')
        .executeTakeFirstOrThrow();
      await insertTestMessage(trx, {
        conversationId: conversation.id,
        channelId,
        direction: 'inbound',
        text: 'hello',
      });
    });
    expect(await inTenant((trx) => recipientEligibility(trx, ids.dario ?? '', 'whatsapp'))).toEqual({
      eligible: true,
    });
    expect((await preview({}, 'whatsapp')).excluded.suppressed).toBe(0);
  });
});
