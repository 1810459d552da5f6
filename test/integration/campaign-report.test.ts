import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listStages, moveContact } from '../../src/contacts/pipeline/pipeline.js';
import type { Config } from '../../src/platform/config/config.js';
import { type TenantTransaction, withTenant } from '../../src/platform/db/tenant-context.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The campaign report (ADR 0046): the funnel per variant from seeded recipients, contacts, pipeline moves
 * and quotes, attribution from each recipient's send, the CSV export, and the refusals.
 */

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let owner: SignedInMember;
let agent: SignedInMember;
let ownerB: SignedInMember;
let tenantA: string;
let tenantB: string;
let campaignId: string;
let otherCampaignId: string;
let draftId: string;

const HOUR = 3_600_000;
const ago = (hours: number) => new Date(Date.now() - hours * HOUR);

async function contact(
  trx: TenantTransaction,
  phoneE164: string,
  firstName: string,
  profileCompletedAt?: Date,
) {
  const row = await trx
    .insertInto('contacts')
    .values({ phoneE164, firstName, lastName: 'Test', profileCompletedAt: profileCompletedAt ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function campaign(trx: TenantTransaction, name: string, status: string, launchedAt: Date | null) {
  const content = {
    variants: [
      { key: 'A', template: { name: 'spring_offer', language: 'it', variables: [] } },
      { key: 'B', template: { name: 'spring_offer_short', language: 'it', variables: [] } },
    ],
  };
  const { rows } = await sql<{ id: string }>`
    insert into campaigns (name, channel_kind, channel_id, status, content, launched_at)
    values (${name}, 'whatsapp', ${randomUUID()}, ${status}, ${JSON.stringify(content)}::jsonb, ${launchedAt})
    returning id`.execute(trx);
  return rows[0]?.id as string;
}

interface RecipientSeed {
  variant: 'A' | 'B';
  status: string;
  sentAt?: Date;
  deliveredAt?: Date;
  readAt?: Date;
  repliedAt?: Date;
  failedAt?: Date;
  skipReason?: string;
  errorCode?: string;
}

async function recipient(trx: TenantTransaction, campaign: string, contactId: string, seed: RecipientSeed) {
  await sql`
    insert into campaign_recipients (campaign_id, contact_id, variant, status, sent_at, delivered_at, read_at,
      replied_at, failed_at, skip_reason, error_code)
    values (${campaign}, ${contactId}, ${seed.variant}, ${seed.status}, ${seed.sentAt ?? null},
      ${seed.deliveredAt ?? null}, ${seed.readAt ?? null}, ${seed.repliedAt ?? null}, ${seed.failedAt ?? null},
      ${seed.skipReason ?? null}, ${seed.errorCode ?? null})`.execute(trx);
}

async function quote(trx: TenantTransaction, contactId: string, createdAt: Date, status: string) {
  const { rows } = await sql<{ id: string }>`
    insert into quotes (number, contact_id, created_at)
    values (${`Q-${randomUUID().slice(0, 8)}`}, ${contactId}, ${createdAt}) returning id`.execute(trx);
  await sql`
    insert into quote_versions (quote_id, version, status, currency, locale, valid_until, subtotal_minor,
      discount_minor, tax_minor, total_minor)
    values (${rows[0]?.id}, 1, ${status}, 'EUR', 'it-IT', '2027-01-31', 1000, 0, 220, 1220)`.execute(trx);
}

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database }));
  tenantA = await newTenant(database.db, 'Report A');
  tenantB = await newTenant(database.db, 'Report B');
  owner = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  agent = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });

  await withTenant(database.db, tenantA, async (trx) => {
    const stages = await listStages(trx);
    const qualifiedStage = stages.find((stage) => stage.name === 'Qualified')?.id as string;
    const lostStage = stages.find((stage) => stage.name === 'Lost')?.id as string;
    campaignId = await campaign(trx, 'Spring offer', 'running', ago(3));
    otherCampaignId = await campaign(trx, 'Autumn offer', 'running', ago(1));
    draftId = await campaign(trx, 'Winter draft', 'draft', null);

    // Variant A.
    // a1: everything, in order: replied, profile completed after the send, a quote after it, accepted.
    const a1 = await contact(trx, '+393200000001', 'Anna', ago(1));
    await recipient(trx, campaignId, a1, {
      variant: 'A',
      status: 'replied',
      sentAt: ago(2),
      deliveredAt: ago(2),
      readAt: ago(1.9),
      repliedAt: ago(1.8),
    });
    await quote(trx, a1, ago(0.5), 'accepted');
    // a2: delivered only; moved to a later (open) stage after the send.
    const a2 = await contact(trx, '+393200000002', 'Bruno');
    await recipient(trx, campaignId, a2, {
      variant: 'A',
      status: 'delivered',
      sentAt: ago(2),
      deliveredAt: ago(2),
    });
    await moveContact(trx, a2, qualifiedStage, null);
    // a3: replied with read receipts off (no delivered or read receipt): still delivered and read.
    const a3 = await contact(trx, '+393200000003', '=HYPERLINK("https://evil.example")');
    await recipient(trx, campaignId, a3, {
      variant: 'A',
      status: 'replied',
      sentAt: ago(2),
      repliedAt: ago(1),
    });
    // a4: failed before any send.
    const a4 = await contact(trx, '+393200000004', 'Dario');
    await recipient(trx, campaignId, a4, {
      variant: 'A',
      status: 'failed',
      failedAt: ago(2),
      errorCode: '131026',
    });
    // a5: skipped at send time.
    const a5 = await contact(trx, '+393200000005', 'Elena');
    await recipient(trx, campaignId, a5, { variant: 'A', status: 'skipped', skipReason: 'no_consent' });
    // a6: sent, but what happened to the contact is not the campaign's: profile completed and an accepted
    // quote before the send, and a move to a lost stage after it.
    const a6 = await contact(trx, '+393200000006', 'Franco', ago(5));
    await recipient(trx, campaignId, a6, { variant: 'A', status: 'sent', sentAt: ago(2) });
    await quote(trx, a6, ago(4), 'accepted');
    await moveContact(trx, a6, lostStage, null);

    // Variant B.
    // b1: read, no reply; a quote after the send still waiting for the customer: qualified and quoted.
    const b1 = await contact(trx, '+393200000011', 'Gino');
    await recipient(trx, campaignId, b1, {
      variant: 'B',
      status: 'read',
      sentAt: ago(2),
      deliveredAt: ago(2),
      readAt: ago(1.5),
    });
    await quote(trx, b1, ago(1), 'sent');
    // b2: still queued; b3: opted out before its send.
    const b2 = await contact(trx, '+393200000012', 'Ilaria');
    await recipient(trx, campaignId, b2, { variant: 'B', status: 'queued' });
    const b3 = await contact(trx, '+393200000013', 'Luca');
    await recipient(trx, campaignId, b3, { variant: 'B', status: 'opted_out', skipReason: 'opted_out' });

    // The same contact (a1) in another campaign, never sent: a1's success is not this campaign's.
    await recipient(trx, otherCampaignId, a1, { variant: 'A', status: 'queued' });
  });
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const get = (member: SignedInMember, url: string) =>
  app.inject({ method: 'GET', url, headers: member.headers });

const funnel = (values: number[]) =>
  Object.fromEntries(
    ['sent', 'delivered', 'read', 'replied', 'qualified', 'quoted', 'won'].map((stage, index) => [
      stage,
      values[index],
    ]),
  );

describe('campaign report', () => {
  it('counts the funnel per variant and in total, attributing only what happened after each send', async () => {
    const response = await get(agent, `/api/v1/campaigns/${campaignId}/report`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const report = response.json();
    expect(report.campaign).toMatchObject({ id: campaignId, name: 'Spring offer', status: 'running' });
    expect(report.variants).toEqual([
      {
        variant: 'A',
        label: 'spring_offer (it)',
        recipients: 6,
        notSent: 1,
        funnel: funnel([4, 3, 2, 2, 2, 1, 1]),
      },
      {
        variant: 'B',
        label: 'spring_offer_short (it)',
        recipients: 3,
        notSent: 1,
        funnel: funnel([1, 1, 1, 0, 1, 1, 0]),
      },
    ]);
    expect(report.total).toEqual({ recipients: 9, notSent: 2, funnel: funnel([5, 4, 3, 2, 3, 2, 1]) });
  });

  it('keeps campaigns apart: a contact in two campaigns counts only where it was messaged', async () => {
    const other = (await get(owner, `/api/v1/campaigns/${otherCampaignId}/report`)).json();
    expect(other.total).toEqual({ recipients: 1, notSent: 0, funnel: funnel([0, 0, 0, 0, 0, 0, 0]) });
    const draft = (await get(owner, `/api/v1/campaigns/${draftId}/report`)).json();
    expect(draft).toMatchObject({
      variants: [],
      total: { recipients: 0, funnel: funnel([0, 0, 0, 0, 0, 0, 0]) },
    });
    expect(draft.campaign.launchedAt).toBeNull();
  });

  it('exports every recipient with the stages reached as a CSV, neutralising formulas, and audits it', async () => {
    const response = await get(owner, `/api/v1/campaigns/${campaignId}/report.csv`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toContain('campaign-spring-offer-report.csv');
    const lines = response.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'recipient_id,contact_id,name,phone,variant,status,skip_reason,error_code,sent_at,delivered_at,read_at,replied_at,delivered,read,replied,qualified,quoted,won',
    );
    expect(lines).toHaveLength(1 + 9);
    const byPhone = (phone: string) => lines.find((line) => line.includes(phone))?.split(',') ?? [];
    expect(byPhone('+393200000001').slice(-6)).toEqual(['true', 'true', 'true', 'true', 'true', 'true']);
    expect(byPhone('+393200000006').slice(-6)).toEqual([
      'false',
      'false',
      'false',
      'false',
      'false',
      'false',
    ]);
    expect(byPhone('+393200000004').slice(5, 8)).toEqual(['failed', '', '131026']);
    // A name that a spreadsheet would run as a formula starts with an apostrophe.
    expect(response.body).toContain(`"'=HYPERLINK(""https://evil.example"") Test"`);
    const audited = await withTenant(database.db, tenantA, (trx) =>
      trx
        .selectFrom('auditLog')
        .select(['actorUserId', 'detail'])
        .where('action', '=', 'campaign.report_exported')
        .execute(),
    );
    expect(audited).toEqual([{ actorUserId: owner.userId, detail: { campaignId } }]);
  });

  it('refuses the CSV to agents, unknown and foreign campaigns, malformed ids and anonymous callers', async () => {
    const expectError = (response: Awaited<ReturnType<typeof get>>, status: number, code: string) => {
      expect(response.statusCode).toBe(status);
      expect(response.json().error).toMatchObject({ code, requestId: expect.any(String) });
    };
    expectError(await get(agent, `/api/v1/campaigns/${campaignId}/report.csv`), 403, 'forbidden');
    expectError(await get(owner, `/api/v1/campaigns/${randomUUID()}/report`), 404, 'not_found');
    expectError(await get(owner, `/api/v1/campaigns/${randomUUID()}/report.csv`), 404, 'not_found');
    expectError(await get(ownerB, `/api/v1/campaigns/${campaignId}/report`), 404, 'not_found');
    expectError(await get(ownerB, `/api/v1/campaigns/${campaignId}/report.csv`), 404, 'not_found');
    for (const id of ['not-a-uuid', '1', "x'%20or%201=1--", '%00', 'a'.repeat(199)]) {
      expectError(await get(owner, `/api/v1/campaigns/${id}/report`), 400, 'validation_failed');
    }
    const anonymous = await app.inject({ method: 'GET', url: `/api/v1/campaigns/${campaignId}/report` });
    expect(anonymous.statusCode).toBe(401);
  });
});
