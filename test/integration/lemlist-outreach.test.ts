import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignSender } from '../../src/campaigns/campaign-sender.js';
import type { Campaign, CampaignRecipient } from '../../src/campaigns/campaigns.table.js';
import { applyWaitingEmailEvents } from '../../src/integrations/email-events/apply.js';
import { emailEventHooks } from '../../src/integrations/email-events/hooks.js';
import { emailEventsSecretBox } from '../../src/integrations/email-events/settings.service.js';
import { createLemlistCampaignSender } from '../../src/integrations/lemlist/campaign-sender.js';
import { createLemlistClient } from '../../src/integrations/lemlist/lemlist.client.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import {
  createOutboundClient,
  type OutboundClient,
} from '../../src/platform/http/outbound/outbound-client.js';
import { FakeLemlist } from '../fakes/lemlist.js';
import { buildTestApp } from '../support/app.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const KEY = 'lemlist-good-key-0001';
let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let http: OutboundClient;
let sender: CampaignSender;
let owner: SignedInMember;
let tenantA: string;
let tenantB: string;
let lemlistUrlA: string;
const lemlist = new FakeLemlist({ apiKeys: [KEY] });

beforeAll(async () => {
  await lemlist.start();
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({
    database,
    env: { LEMLIST_API_URL: lemlist.url, OUTBOUND_ALLOW_PRIVATE_HOSTS: lemlist.hostPort },
  }));
  tenantA = await newTenant(database.db, 'A');
  tenantB = await newTenant(database.db, 'B');
  owner = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  const ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
  for (const member of [owner, ownerB]) {
    const connected = await app.inject({
      method: 'PUT',
      url: '/api/v1/settings/email-events/lemlist',
      headers: member.headers,
      payload: { apiKey: KEY },
    });
    expect(connected.statusCode).toBe(200);
    if (member === owner) lemlistUrlA = connected.json().lemlistWebhookUrl;
  }
  http = createOutboundClient({
    connectTimeoutMs: 5_000,
    timeoutMs: 10_000,
    allowPrivateHosts: config.outbound.allowPrivateHosts,
    retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 2_000 },
  });
  sender = createLemlistCampaignSender({
    client: createLemlistClient({ http, baseUrl: lemlist.url }),
    box: emailEventsSecretBox(config),
  });
}, 120_000);

afterAll(async () => {
  await http?.close();
  await app?.close();
  await database?.drop();
  await lemlist.close();
});

const address = () => `lead-${randomBytes(5).toString('hex')}@example.com`;

async function newContact(tenantId: string, email: string | null, ownerUserId: string | null = null) {
  return withTenant(database.db, tenantId, (trx) =>
    trx
      .insertInto('contacts')
      .values({
        phoneE164: `+3934${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
        email,
        firstName: 'Ada',
        company: 'Acme',
        customFields: '{}',
        ownerUserId,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

async function newLemlistCampaign(tenantId: string, lemlistCampaignId: string, name = 'Outreach') {
  return withTenant(database.db, tenantId, (trx) =>
    trx
      .insertInto('campaigns')
      .values({
        name,
        channelKind: 'lemlist',
        channelId: null,
        status: 'running',
        content: JSON.stringify({ variants: [], lemlistCampaignId }),
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  ) as Promise<Campaign>;
}

async function newRecipient(tenantId: string, campaignId: string, contactId: string) {
  return withTenant(database.db, tenantId, (trx) =>
    trx
      .insertInto('campaignRecipients')
      .values({ campaignId, contactId })
      .returningAll()
      .executeTakeFirstOrThrow(),
  ) as Promise<CampaignRecipient>;
}

async function push(tenantId: string, campaign: Campaign, recipient: CampaignRecipient) {
  return withTenant(database.db, tenantId, async (trx) => {
    const contact = await trx
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', recipient.contactId)
      .executeTakeFirstOrThrow();
    return sender.send({ trx, campaign, recipient, contact });
  });
}

const recipientRow = (tenantId: string, id: string) =>
  withTenant(database.db, tenantId, (trx) =>
    trx.selectFrom('campaignRecipients').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );

function postActivity(payload: Record<string, unknown>, url = lemlistUrlA) {
  return app.inject({
    method: 'POST',
    url: new URL(url).pathname,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });
}

describe('Lemlist outreach: the campaign sender', () => {
  it('pushes the contact into the Lemlist campaign once, even when pushed again', async () => {
    const campaign = await newLemlistCampaign(tenantA, 'cam_push1');
    const contact = await newContact(tenantA, address());
    const recipient = await newRecipient(tenantA, campaign.id, contact.id);
    expect(await push(tenantA, campaign, recipient)).toEqual({ outcome: 'sent' });
    expect(await push(tenantA, campaign, recipient)).toEqual({ outcome: 'sent' });
    expect(lemlist.leadsOf('cam_push1')).toEqual([contact.email]);
    const pushed = lemlist.requests.filter((r) => r.path.startsWith('/api/campaigns/cam_push1/'));
    expect(pushed.map((r) => r.status)).toEqual([200, 400]);
    expect(pushed[0]?.body).toMatchObject({
      firstName: 'Ada',
      companyName: 'Acme',
      phone: contact.phoneE164,
    });
  });

  it('waits out 429s (Retry-After) and 5xx with backoff, then pushes', async () => {
    const campaign = await newLemlistCampaign(tenantA, 'cam_busy');
    const contact = await newContact(tenantA, address());
    const recipient = await newRecipient(tenantA, campaign.id, contact.id);
    lemlist.throttleNext(1);
    lemlist.failNext(1, 503);
    const before = lemlist.tooManyRequests;
    expect(await push(tenantA, campaign, recipient)).toEqual({ outcome: 'sent' });
    expect(lemlist.tooManyRequests).toBe(before + 1);
    expect(lemlist.leadsOf('cam_busy')).toEqual([contact.email]);
  });

  it('reports a long outage as retryable, a refused key and an unknown campaign as final, no address as skipped', async () => {
    const campaign = await newLemlistCampaign(tenantA, 'cam_down');
    const contact = await newContact(tenantA, address());
    const recipient = await newRecipient(tenantA, campaign.id, contact.id);
    lemlist.failNext(10, 503);
    expect(await push(tenantA, campaign, recipient)).toMatchObject({ outcome: 'failed', retryable: true });
    lemlist.failNext(0);
    const missing = await newLemlistCampaign(tenantA, 'not-a-campaign');
    expect(await push(tenantA, missing, recipient)).toEqual({
      outcome: 'failed',
      errorCode: 'lemlist_campaign_missing',
      retryable: false,
    });
    const noEmail = await newContact(tenantA, null);
    const noEmailRecipient = await newRecipient(tenantA, campaign.id, noEmail.id);
    expect(await push(tenantA, campaign, noEmailRecipient)).toEqual({
      outcome: 'skipped',
      reason: 'no_email',
    });
    lemlist.apiKeys.delete(KEY);
    try {
      expect(await push(tenantA, campaign, recipient)).toEqual({
        outcome: 'failed',
        errorCode: 'lemlist_key_refused',
        retryable: false,
      });
    } finally {
      lemlist.apiKeys.add(KEY);
    }
  });
});

describe('Lemlist webhooks → recipients, timeline, opt-out, owner', () => {
  it('moves the recipient forward on sent, opened, clicked and replied, and notifies the owner once', async () => {
    const campaign = await newLemlistCampaign(tenantA, 'cam_flow', 'Spring outreach');
    const contact = await newContact(tenantA, address(), owner.userId);
    const recipient = await newRecipient(tenantA, campaign.id, contact.id);
    await push(tenantA, campaign, recipient);
    await withTenant(database.db, tenantA, (trx) =>
      trx
        .updateTable('campaignRecipients')
        .set({ status: 'sent', sentAt: new Date() })
        .where('id', '=', recipient.id)
        .execute(),
    );
    const activity = (type: string) =>
      FakeLemlist.activity({
        type,
        leadEmail: contact.email as string,
        campaignId: 'cam_flow',
        campaignName: 'Spring outreach',
      });
    expect((await postActivity(activity('emailsSent'))).statusCode).toBe(200);
    expect((await recipientRow(tenantA, recipient.id)).status).toBe('delivered');
    await postActivity(activity('emailsOpened'));
    await postActivity(activity('emailsClicked'));
    expect((await recipientRow(tenantA, recipient.id)).status).toBe('read');
    const reply = activity('emailsReplied');
    for (let i = 0; i < 3; i++) expect((await postActivity(reply)).statusCode).toBe(200);
    const replied = await recipientRow(tenantA, recipient.id);
    expect(replied.status).toBe('replied');
    expect(replied.repliedAt).not.toBeNull();
    // A late "opened" never moves a replied recipient back.
    await postActivity(activity('emailsOpened'));
    expect((await recipientRow(tenantA, recipient.id)).status).toBe('replied');
    // Automations hear of each move once: the repeated reply and the late opens add no campaign event.
    const events = await withTenant(database.db, tenantA, (trx) =>
      trx
        .selectFrom('domainEvents')
        .select('payload')
        .where('type', '=', 'campaign.event')
        .where('subjectId', '=', contact.id)
        .orderBy('id')
        .execute(),
    );
    expect(events.map((event) => event.payload)).toEqual(
      ['delivered', 'read', 'replied'].map((event) => ({ campaignId: campaign.id, event })),
    );
    const notes = await withTenant(database.db, tenantA, (trx) =>
      trx.selectFrom('notifications').selectAll().where('kind', '=', 'lemlist_reply').execute(),
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ userId: owner.userId, subjectId: contact.id });
    const timeline = await app.inject({
      method: 'GET',
      url: `/api/v1/contacts/${contact.id}/timeline`,
      headers: owner.headers,
    });
    const types = (timeline.json().items as { kind: string; detail: { type: string } }[])
      .filter((entry) => entry.kind === 'email_event')
      .map((entry) => entry.detail.type);
    expect(types.sort()).toEqual([
      'emailsClicked',
      'emailsOpened',
      'emailsOpened',
      'emailsReplied',
      'emailsSent',
    ]);
  });

  it('an unsubscribe opts the contact out of e-mail and marks the recipient; a bounce fails it', async () => {
    const campaign = await newLemlistCampaign(tenantA, 'cam_unsub');
    const leaving = await newContact(tenantA, address());
    const bouncing = await newContact(tenantA, address());
    const r1 = await newRecipient(tenantA, campaign.id, leaving.id);
    const r2 = await newRecipient(tenantA, campaign.id, bouncing.id);
    await postActivity(
      FakeLemlist.activity({
        type: 'emailsUnsubscribed',
        leadEmail: leaving.email as string,
        campaignId: 'cam_unsub',
      }),
    );
    await postActivity(
      FakeLemlist.activity({
        type: 'emailsBounced',
        leadEmail: bouncing.email as string,
        campaignId: 'cam_unsub',
      }),
    );
    expect(await recipientRow(tenantA, r1.id)).toMatchObject({ status: 'opted_out' });
    expect(await recipientRow(tenantA, r2.id)).toMatchObject({
      status: 'failed',
      errorCode: 'email_bounced',
    });
    const consent = await withTenant(database.db, tenantA, (trx) =>
      trx.selectFrom('consentEntries').selectAll().where('contactId', '=', leaving.id).execute(),
    );
    expect(consent).toEqual([
      expect.objectContaining({ channel: 'email_marketing', state: 'opted_out', source: 'customer' }),
    ]);
  });

  it('keeps events that arrive before their campaign and lead, and applies them when they appear', async () => {
    const email = address();
    const early = FakeLemlist.activity({ type: 'emailsOpened', leadEmail: email, campaignId: 'cam_later' });
    const response = await postActivity(early);
    expect(response.statusCode).toBe(200);
    const waiting = await withTenant(database.db, tenantA, (trx) =>
      trx
        .selectFrom('emailEvents')
        .selectAll()
        .where('eventKey', '=', early._id as string)
        .executeTakeFirstOrThrow(),
    );
    expect(waiting.appliedAt).toBeNull();
    const campaign = await newLemlistCampaign(tenantA, 'cam_later');
    const contact = await newContact(tenantA, email);
    const recipient = await newRecipient(tenantA, campaign.id, contact.id);
    await withTenant(database.db, tenantA, (trx) =>
      trx.updateTable('campaignRecipients').set({ status: 'sent' }).where('id', '=', recipient.id).execute(),
    );
    const result = await withTenant(database.db, tenantA, (trx) =>
      applyWaitingEmailEvents(trx, emailEventHooks),
    );
    expect(result.applied).toBeGreaterThanOrEqual(1);
    expect((await recipientRow(tenantA, recipient.id)).status).toBe('read');
    const applied = await withTenant(database.db, tenantA, (trx) =>
      trx.selectFrom('emailEvents').selectAll().where('id', '=', waiting.id).executeTakeFirstOrThrow(),
    );
    expect(applied).toMatchObject({ contactId: contact.id, campaignId: campaign.id });
  });

  it('never applies an event to another workspace’s campaign of the same Lemlist id', async () => {
    const email = address();
    const campaignB = await newLemlistCampaign(tenantB, 'cam_shared');
    const contactB = await newContact(tenantB, email);
    const recipientB = await newRecipient(tenantB, campaignB.id, contactB.id);
    const activity = FakeLemlist.activity({
      type: 'emailsReplied',
      leadEmail: email,
      campaignId: 'cam_shared',
    });
    expect((await postActivity(activity)).statusCode).toBe(200);
    expect((await recipientRow(tenantB, recipientB.id)).status).toBe('queued');
    const inB = await withTenant(database.db, tenantB, (trx) =>
      trx
        .selectFrom('emailEvents')
        .selectAll()
        .where('eventKey', '=', activity._id as string)
        .execute(),
    );
    expect(inB).toHaveLength(0);
  });
});
