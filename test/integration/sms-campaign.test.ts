import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQualifier } from '../../src/agent/qualifier/qualifier.js';
import { createTwilioRuntime, type TwilioRuntime } from '../../src/channels/twilio/twilio-runtime.js';
import { recordConsent } from '../../src/contacts/consent/consent.js';
import { createPool } from '../../src/platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../src/platform/db/tenant-context.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { buildTasks } from '../../src/tasks.js';
import type { FakeMessage } from '../fakes/twilio.js';
import { waitFor } from '../fixtures/wait-for.js';
import { type CallbackWorld, startCallbackWorld } from '../support/callback-world.js';
import { captureLogger } from '../support/log-capture.js';

// An SMS campaign end to end: the real API, the real worker (dispatcher, SMS send and inbound jobs), the
// fake Twilio on 127.0.0.1 receiving Messages.json and posting signed status callbacks and a STOP reply to
// Leadline listening on a real port.

const logs = captureLogger();
let world: CallbackWorld;
let runtime: TwilioRuntime;
let worker: RunningWorker;
let workerPool: ReturnType<typeof createPool>;

beforeAll(async () => {
  world = await startCallbackWorld({ worker: false });
  runtime = createTwilioRuntime({ config: world.config, db: world.database.db });
  workerPool = createPool({
    connectionString: world.database.appUrl,
    max: 6,
    applicationName: 'sms-campaign',
  });
  const tasks = buildTasks({
    secretKey: world.config.secretKey,
    publicUrl: world.config.http.publicUrl,
    mailer: {} as never,
    agent: createQualifier(),
    whatsappOutbound: {} as never,
    accounts: { db: world.database.db, config: world.config },
    callbacks: {} as never,
    contactImports: {} as never,
    sms: { rest: runtime.rest, config: world.config },
  }).filter((task) => task.id.startsWith('sms.') || task.id.startsWith('campaigns.'));
  worker = await startWorker({
    pool: workerPool,
    db: world.database.db,
    logger: logs.logger,
    tasks,
    concurrency: 4,
    pollIntervalMs: 100,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
  });
  // As Twilio does: a `sent` callback follows each accepted message.
  world.twilio.deliverMessageStatuses(true);
});

afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await runtime?.close();
  await world?.close();
});

const inTenant = <T>(work: (trx: TenantTransaction) => Promise<T>) =>
  withTenant(world.database.db, world.tenantId, work);

function api(method: 'GET' | 'POST', url: string, payload?: unknown) {
  return world.app.inject({
    method,
    url,
    headers: world.admin,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** An Italian mobile with a name, a city and SMS consent as given (none: never asked). */
async function contact(input: {
  firstName: string | null;
  city?: string;
  sms?: 'opted_in' | 'opted_out';
}): Promise<{ id: string; phoneE164: string }> {
  return inTenant(async (trx) => {
    const row = await trx
      .insertInto('contacts')
      .values({
        phoneE164: `+39347${randomInt(1_000_000, 9_999_999)}`,
        firstName: input.firstName,
        customFields: JSON.stringify(input.city ? { city: input.city } : {}),
      })
      .returning(['id', 'phoneE164'])
      .executeTakeFirstOrThrow();
    if (input.sms) {
      await recordConsent(trx, { contactId: row.id, channel: 'sms', state: input.sms, source: 'import' });
    }
    return row;
  });
}

/**
 * Twilio's billing units of a text, counted here without the code under test: GSM-7 (these texts use no
 * extension character) in 160 characters or 153 per part, else UCS-2 in 70 or 67 per part.
 */
function segmentsOf(text: string): number {
  const gsm = /^[A-Za-z0-9 !"#%&'()*+,\-./:;<=>?@£$¥èéùìòÇØøÅåÄÖÑÜäöñüàß¿¡§]*$/.test(text);
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  return text.length <= single ? 1 : Math.ceil(text.length / multi);
}

const TEXT =
  'Hi {{contact.firstName|there}}! Our spring sale ends Sunday: 20% off every bike in ' +
  '{{contact.fields.city|your city}}. Reply STOP to opt out.';
const filled = (name: string, city: string) =>
  `Hi ${name}! Our spring sale ends Sunday: 20% off every bike in ${city}. Reply STOP to opt out.`;

async function events(campaignId: string) {
  const { rows } = await sql<{ contactId: string; event: string }>`
    select subject_id as "contactId", payload ->> 'event' as event from domain_events
    where type = 'campaign.event' and payload ->> 'campaignId' = ${campaignId}
    order by id`.execute(world.database.ownerDb);
  return (contactId: string) => rows.filter((row) => row.contactId === contactId).map((row) => row.event);
}

const recipientsOf = (campaignId: string) =>
  inTenant((trx) =>
    trx.selectFrom('campaignRecipients').selectAll().where('campaignId', '=', campaignId).execute(),
  );

describe('SMS campaign end to end', () => {
  it('segment → text with variables → launch → one SMS each from the number; callbacks, skips and STOP', async () => {
    const ada = await contact({ firstName: 'Ada', city: 'Milano', sms: 'opted_in' });
    // A name outside GSM-7 makes her text UCS-2: two segments where the others take one.
    const zoe = await contact({ firstName: 'Zoë', city: 'Torino', sms: 'opted_in' });
    const nameless = await contact({ firstName: null, sms: 'opted_in' });
    const late = await contact({ firstName: 'Bo', city: 'Roma', sms: 'opted_in' });
    const optedOut = await contact({ firstName: 'Cy', sms: 'opted_out' });
    const unasked = await contact({ firstName: 'Di' });
    const everyone = [ada, zoe, nameless, late, optedOut, unasked];

    const number = await inTenant((trx) =>
      trx
        .selectFrom('twilioNumbers')
        .select(['id', 'phoneE164'])
        .where('phoneE164', '=', world.callerNumber)
        .executeTakeFirstOrThrow(),
    );
    const segment = await api('POST', '/api/v1/segments', {
      name: `SMS audience ${randomInt(1e9)}`,
      filter: {},
    });
    expect(segment.statusCode, segment.body).toBe(201);
    const created = await api('POST', '/api/v1/campaigns', {
      name: 'Spring SMS',
      channelKind: 'sms',
      channelId: number.id,
      segmentId: segment.json().id,
      content: { variants: [{ key: 'A', text: TEXT }] },
      quietHours: null,
    });
    expect(created.statusCode, created.body).toBe(201);
    const campaignId = created.json().id as string;

    // Before launch: who is left out and why, and what the sends will cost.
    const preview = await api('POST', `/api/v1/campaigns/${campaignId}/preview`);
    expect(preview.statusCode, preview.body).toBe(200);
    const texts = new Map([
      [ada.id, filled('Ada', 'Milano')],
      [zoe.id, filled('Zoë', 'Torino')],
      [nameless.id, filled('there', 'your city')],
      [late.id, filled('Bo', 'Roma')],
    ]);
    const segmentsPlanned = [...texts.values()].reduce((sum, text) => sum + segmentsOf(text), 0);
    expect(segmentsPlanned).toBe(5);
    expect(preview.json()).toMatchObject({
      total: everyone.length,
      eligible: 4,
      excluded: { opted_out: 1, no_consent: 1 },
      cost: { segments: segmentsPlanned, estimateMicros: segmentsPlanned * 8_300, currency: 'USD' },
    });

    // Starts in a few seconds; meanwhile one recipient opts out: skipped at send time, with the reason.
    const launched = await api('POST', `/api/v1/campaigns/${campaignId}/launch`, {
      scheduledAt: new Date(Date.now() + 3_000).toISOString(),
    });
    expect(launched.statusCode, launched.body).toBe(200);
    await inTenant((trx) =>
      recordConsent(trx, { contactId: late.id, channel: 'sms', state: 'opted_out', source: 'customer' }),
    );
    await waitFor(
      async () => {
        const row = await inTenant((trx) =>
          trx.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirstOrThrow(),
        );
        return row.status === 'completed' || undefined;
      },
      { timeoutMs: 60_000, description: 'the campaign completed' },
    );
    const phones = new Map(everyone.map((c) => [c.phoneE164, c.id]));
    const sent = await waitFor(
      () => {
        const ours = world.twilio.messages.filter((m) => phones.has(m.to));
        return ours.length >= 3 ? ours : undefined;
      },
      { timeoutMs: 30_000, description: 'three SMS at the fake Twilio' },
    );
    expect(sent).toHaveLength(3);
    const rows = await recipientsOf(campaignId);
    expect(rows).toHaveLength(4);
    const byContact = new Map(rows.map((row) => [row.contactId, row]));
    expect(byContact.get(late.id)).toMatchObject({ status: 'skipped', skipReason: 'opted_out' });
    const smsTo = new Map<string, FakeMessage>();
    for (const message of sent) {
      const contactId = phones.get(message.to) as string;
      smsTo.set(contactId, message);
      const recipient = byContact.get(contactId);
      expect(recipient?.status).toBe('sent');
      expect(message.from).toBe(number.phoneE164);
      expect(message.body).toBe(texts.get(contactId));
      expect(message.statusCallback).toBe(
        `${world.baseUrl}/webhooks/twilio/${world.tenantId}/sms/${number.id}/status/${recipient?.messageId}`,
      );
    }
    expect([...smsTo.keys()].sort()).toEqual([ada.id, zoe.id, nameless.id].sort());
    // What the preview estimated is what was sent, plus the one recipient who opted out in between.
    const segmentsSent = sent.reduce((sum, message) => sum + segmentsOf(message.body), 0);
    expect(segmentsSent + segmentsOf(texts.get(late.id) as string)).toBe(preview.json().cost.segments);

    // Signed status callbacks: delivered (twice, as a retry would), undelivered with Twilio's code.
    const adaSms = smsTo.get(ada.id) as FakeMessage;
    const zoeSms = smsTo.get(zoe.id) as FakeMessage;
    expect((await world.twilio.messageStatus(adaSms, 'delivered')).status).toBe(204);
    expect((await world.twilio.messageStatus(adaSms, 'delivered')).status).toBe(204);
    expect((await world.twilio.messageStatus(zoeSms, 'undelivered', { errorCode: '30003' })).status).toBe(
      204,
    );
    // A late `sent` after the delivery moves nothing back.
    expect((await world.twilio.messageStatus(adaSms, 'sent')).status).toBe(204);
    const settled = new Map((await recipientsOf(campaignId)).map((row) => [row.contactId, row]));
    expect(settled.get(ada.id)).toMatchObject({ status: 'delivered' });
    expect(settled.get(zoe.id)).toMatchObject({ status: 'failed', errorCode: '30003' });

    // The nameless recipient answers STOP: the opt-out is recorded and the recipient is opted out.
    const inboundUrl = `${world.baseUrl}/webhooks/twilio/${world.tenantId}/sms`;
    const stop = await world.twilio.inboundSms(world.account, inboundUrl, {
      from: nameless.phoneE164,
      to: number.phoneE164,
      body: 'STOP',
    });
    expect(stop.status).toBe(200);
    await waitFor(
      async () => {
        const row = (await recipientsOf(campaignId)).find((r) => r.contactId === nameless.id);
        return row?.status === 'opted_out' || undefined;
      },
      { timeoutMs: 30_000, description: 'the STOP applied' },
    );
    const consent = await inTenant((trx) =>
      trx
        .selectFrom('consentEntries')
        .selectAll()
        .where('contactId', '=', nameless.id)
        .where('channel', '=', 'sms')
        .orderBy('recordedAt', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow(),
    );
    expect(consent).toMatchObject({ state: 'opted_out', source: 'customer', shownText: 'STOP' });

    // Each change told automations once.
    const of = await events(campaignId);
    expect(of(ada.id)).toEqual(['sent', 'delivered']);
    expect(of(zoe.id)).toEqual(['sent', 'failed']);
    expect(of(nameless.id)).toEqual(['sent', 'replied', 'opted_out']);
    expect(of(late.id)).toEqual([]);

    // The recipients list names each contact, page after page (keyset cursor).
    const first = await api('GET', `/api/v1/campaigns/${campaignId}/recipients?limit=3`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().items).toHaveLength(3);
    const rest = await api(
      'GET',
      `/api/v1/campaigns/${campaignId}/recipients?limit=3&cursor=${encodeURIComponent(first.json().nextCursor)}`,
    );
    expect(rest.json()).toMatchObject({ nextCursor: null });
    const listed = [...first.json().items, ...rest.json().items] as {
      contactId: string;
      contactName: string;
    }[];
    expect(new Map(listed.map((item) => [item.contactId, item.contactName]))).toEqual(
      new Map([
        [ada.id, 'Ada'],
        [zoe.id, 'Zoë'],
        [nameless.id, null],
        [late.id, 'Bo'],
      ]),
    );
    const stopped = await api('GET', `/api/v1/campaigns/${campaignId}/recipients?status=opted_out`);
    expect(stopped.json().items).toEqual([
      expect.objectContaining({ contactId: nameless.id, contactName: null, status: 'opted_out' }),
    ]);

    // A second campaign to the same segment leaves the STOP-ed contact out, with the reason.
    const again = await api('POST', '/api/v1/campaigns', {
      name: 'Spring SMS, again',
      channelKind: 'sms',
      channelId: number.id,
      segmentId: segment.json().id,
      content: { variants: [{ key: 'A', text: TEXT }] },
      quietHours: null,
    });
    const secondPreview = await api('POST', `/api/v1/campaigns/${again.json().id}/preview`);
    expect(secondPreview.json()).toMatchObject({ eligible: 2, excluded: { opted_out: 3, no_consent: 1 } });
  });
});
