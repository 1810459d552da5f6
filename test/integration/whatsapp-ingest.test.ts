import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import {
  storeTenantDeliveries,
  type VerifiedDelivery,
} from '../../src/channels/whatsapp/ingest.repository.js';
import { IngestBatcher } from '../../src/channels/whatsapp/ingest-batcher.js';
import { extractDelivery } from '../../src/channels/whatsapp/webhook-payload.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import {
  change,
  envelope,
  type MessageObject,
  messages,
  type StatusObject,
  serialise,
  status,
  wamid,
} from '../fakes/meta-webhook-client.js';
import { testConfig } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import { openedRows } from '../support/sealed.js';
import { newTenant } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// The group commit against a real PostgreSQL: one statement (whatsapp_ingest) per tenant of a batch.

interface Line {
  tenantId: string;
  channelId: string;
  phoneNumberId: string;
}

let database: TestDatabase;
let lineA: Line;
let lineB: Line;
let phoneNumbers = 0;

async function newLine(tenantId: string): Promise<Line> {
  phoneNumbers++;
  const phoneNumberId = `4000000000${phoneNumbers}`;
  const { channel } = await createChannel(
    database.db,
    testConfig(),
    tenantId,
    {
      userId: null,
      apiKeyId: null,
      context: { requestId: 'ingest-test', ip: '127.0.0.1', userAgent: 'vitest' },
    },
    {
      name: `Line ${phoneNumbers}`,
      phoneNumberId,
      displayPhoneNumber: '+1 555 078 3881',
      wabaId: '102290129340398',
      accessToken: 'EAAG-ingest-token',
      appSecret: 'ingest-app-secret',
    },
  );
  return { tenantId, channelId: channel.id, phoneNumberId };
}

/** A verified delivery to `line` of messages and statuses, as the webhook route hands it to the batcher. */
function delivery(
  line: Line,
  requestId: string,
  items: { messages?: MessageObject[]; statuses?: StatusObject[] },
): VerifiedDelivery {
  const payload = envelope([{ changes: [change(line.phoneNumberId, items)] }]);
  return {
    channelId: line.channelId,
    requestId,
    body: serialise(payload),
    extracted: extractDelivery(payload, line.phoneNumberId),
  };
}

/** Submits every delivery at once to one batcher whose window gathers them all into one batch. */
async function submitTogether(items: Array<{ line: Line; delivery: VerifiedDelivery }>): Promise<number[]> {
  const statements: number[] = [];
  const batcher = new IngestBatcher(database.db, captureLogger().logger, {
    windowMs: 50,
    maxBatch: 100,
    onBatch: (size) => statements.push(size),
  });
  await Promise.all(items.map((item) => batcher.submit(item.line.tenantId, item.delivery)));
  return statements.sort();
}

interface ReceiptRow {
  tenantId: string;
  providerMessageId: string;
  requestId: string;
  eventTenantId: string;
  eventChannelId: string;
  body: Buffer;
  xmin: string;
}

async function receipts(channelIds: string[]): Promise<ReceiptRow[]> {
  const { rows } = await sql<ReceiptRow>`
    select i.tenant_id::text, i.provider_message_id, e.request_id, e.tenant_id::text as event_tenant_id,
           e.channel_id::text as event_channel_id, e.body, i.xmin::text
    from whatsapp_inbound i join whatsapp_webhook_events e on e.id = i.event_id
    where i.channel_id = any(${channelIds}::uuid[])`.execute(database.ownerDb);
  // The raw body is sealed with the workspace's data key (ADR 0036): opened as the application would.
  return openedRows(database.ownerDb, rows);
}

interface JobRow {
  id: string;
  key: string;
  revision: number;
  runAt: Date;
  identifier: string;
  payload: { tenantId: string; requestId: string; payload: Record<string, unknown> };
}

async function jobs(channelIds: string[]): Promise<JobRow[]> {
  const { rows } = await sql<JobRow>`
    select j.id::text, j.key, j.revision, j.run_at, t.identifier, j.payload
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where j.key like any(${channelIds.flatMap((id) => [`wa:${id}:%`, `wa-statuses:${id}`])}::text[])
    order by j.key`.execute(database.ownerDb);
  return rows;
}

async function total(table: 'whatsapp_webhook_events' | 'whatsapp_inbound' | 'whatsapp_status_events') {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
    database.ownerDb,
  );
  return rows[0]?.n;
}

beforeAll(async () => {
  database = await createTestDatabase();
  lineA = await newLine(await newTenant(database.db, 'Ingest A'));
  lineB = await newLine(await newTenant(database.db, 'Ingest B'));
});

afterAll(async () => {
  await database?.drop();
});

describe('IngestBatcher with two tenants in one batch', () => {
  const [alice, bob, carol, dave, erin] = [
    '491511000001',
    '491511000002',
    '491511000003',
    '441711000004',
    '441711000005',
  ];
  const m = {
    a1: messages.text({ from: alice, body: 'first' }),
    a2: messages.text({ from: alice, body: 'second' }),
    b1: messages.location({ from: bob, latitude: 52.5, longitude: 13.4 }),
    b2: messages.text({ from: bob, body: 'bob again' }),
    c1: messages.text({ from: carol, body: 'carol' }),
    d1: messages.text({ from: dave, body: 'dave' }),
    d2: messages.text({ from: dave, body: 'dave again' }),
    e1: messages.text({ from: erin, body: 'erin' }),
  };
  const sentA = status({ id: wamid(), status: 'sent', recipient_id: carol });
  const sentB = status({ id: wamid(), status: 'delivered', recipient_id: dave });
  const A1 = () => delivery(lineA, 'req-A1', { messages: [m.a1, m.a2, m.b1], statuses: [sentA] });
  const A2 = () => delivery(lineA, 'req-A2', { messages: [m.b2, m.c1] });
  const A3 = () => delivery(lineA, 'req-A3', { messages: [m.a1, m.a2, m.b1], statuses: [sentA] });
  const B1 = () => delivery(lineB, 'req-B1', { messages: [m.d1, m.e1], statuses: [sentB] });
  const B2 = () => delivery(lineB, 'req-B2', { messages: [m.d2, m.d1] });
  const channels = () => [lineA.channelId, lineB.channelId];
  let firstJobs: JobRow[];

  it('commits each tenant’s share as one statement, every row under its own tenant', async () => {
    // A3 repeats A1 and B2 repeats one message of B1, all in the same batch.
    const statements = await submitTogether([
      { line: lineA, delivery: A1() },
      { line: lineB, delivery: B1() },
      { line: lineA, delivery: A2() },
      { line: lineB, delivery: B2() },
      { line: lineA, delivery: A3() },
    ]);
    expect(statements).toEqual([2, 3]);

    const rows = await receipts(channels());
    const ofA = new Set([m.a1, m.a2, m.b1, m.b2, m.c1].map((x) => x.id));
    const tenantOf = (id: string) => (ofA.has(id) ? lineA : lineB);
    expect(rows.map((row) => row.providerMessageId).sort()).toEqual(
      Object.values(m)
        .map((x) => x.id)
        .sort(),
    );
    // Each receipt's message is sealed at rest (ADR 0036) and opens to Meta's message object.
    const { rows: stored } = await sql<{ tenantId: string; id: string; message: unknown }>`
      select tenant_id::text, provider_message_id as id, message from whatsapp_inbound
      where channel_id = any(${channels()}::uuid[])`.execute(database.ownerDb);
    expect(JSON.stringify(stored)).not.toContain('bob again');
    for (const row of await openedRows(database.ownerDb, stored)) {
      const sent = Object.values(m).find((x) => x.id === row.id);
      expect(JSON.parse(row.message as string)).toEqual(sent);
    }
    for (const row of rows) {
      const line = tenantOf(row.providerMessageId);
      expect(row.tenantId, row.providerMessageId).toBe(line.tenantId);
      expect(row.eventTenantId).toBe(line.tenantId);
      expect(row.eventChannelId).toBe(line.channelId);
    }
    // Each tenant's rows were written by one transaction of their own.
    const xminOf = (line: Line) =>
      new Set(rows.filter((row) => tenantOf(row.providerMessageId) === line).map((row) => row.xmin));
    expect(xminOf(lineA).size).toBe(1);
    expect(xminOf(lineB).size).toBe(1);
    expect([...xminOf(lineA)][0]).not.toBe([...xminOf(lineB)][0]);

    // Through the application role, each tenant sees exactly its own rows.
    for (const [line, count] of [
      [lineA, 3],
      [lineB, 2],
    ] as const) {
      const seen = await withTenant(database.db, line.tenantId, async (trx) => ({
        events: await trx.selectFrom('whatsappWebhookEvents').select('channelId').execute(),
        statuses: await trx.selectFrom('whatsappStatusEvents').select('channelId').execute(),
      }));
      expect(seen.events).toHaveLength(count);
      expect(seen.events.every((row) => row.channelId === line.channelId)).toBe(true);
      expect(seen.statuses).toEqual([{ channelId: line.channelId }]);
    }
  });

  it('ties every receipt and status to the raw event that carried it', async () => {
    const rows = await receipts(channels());
    const carriedBy: Record<string, string[]> = {
      [m.a1.id]: ['req-A1', 'req-A3'],
      [m.a2.id]: ['req-A1', 'req-A3'],
      [m.b1.id]: ['req-A1', 'req-A3'],
      [m.b2.id]: ['req-A2'],
      [m.c1.id]: ['req-A2'],
      [m.d1.id]: ['req-B1', 'req-B2'],
      [m.e1.id]: ['req-B1'],
      [m.d2.id]: ['req-B2'],
    };
    for (const row of rows) {
      expect(carriedBy[row.providerMessageId], row.providerMessageId).toContain(row.requestId);
      expect(row.body.toString('utf8')).toContain(row.providerMessageId);
    }
    const { rows: sealedStatusRows } = await sql<{
      providerMessageId: string;
      requestId: string;
      body: Buffer;
      tenantId: string;
    }>`
      select s.provider_message_id, e.request_id, e.body, e.tenant_id::text
      from whatsapp_status_events s join whatsapp_webhook_events e on e.id = s.event_id
      where s.channel_id = any(${channels()}::uuid[])
      order by e.request_id`.execute(database.ownerDb);
    const statusRows = await openedRows(database.ownerDb, sealedStatusRows);
    expect(statusRows).toHaveLength(2);
    expect(statusRows.find((row) => row.providerMessageId === sentB.id)?.requestId).toBe('req-B1');
    expect(['req-A1', 'req-A3']).toContain(
      statusRows.find((row) => row.providerMessageId === sentA.id)?.requestId,
    );
    for (const row of statusRows) expect(row.body.toString('utf8')).toContain(row.providerMessageId);
    // The raw bytes are stored exactly as received.
    const { rows: sealedBodies } = await sql<{ requestId: string; body: Buffer; tenantId: string }>`
      select request_id, body, tenant_id::text from whatsapp_webhook_events where request_id = 'req-A2'`.execute(
      database.ownerDb,
    );
    expect(sealedBodies.map((row) => row.body.includes(Buffer.from('wamid.'))).includes(true)).toBe(false);
    const bodies = await openedRows(database.ownerDb, sealedBodies);
    expect(bodies.map((row) => row.body.equals(A2().body))).toEqual([true]);
  });

  it('enqueues one job per touched conversation and channel, in the tenant’s envelope', async () => {
    firstJobs = await jobs(channels());
    expect(firstJobs.map((job) => [job.key, job.identifier])).toEqual(
      [
        [`wa:${lineA.channelId}:${alice}`, 'whatsapp.process-inbound'],
        [`wa:${lineA.channelId}:${bob}`, 'whatsapp.process-inbound'],
        [`wa:${lineA.channelId}:${carol}`, 'whatsapp.process-inbound'],
        [`wa:${lineB.channelId}:${dave}`, 'whatsapp.process-inbound'],
        [`wa:${lineB.channelId}:${erin}`, 'whatsapp.process-inbound'],
        [`wa-statuses:${lineA.channelId}`, 'whatsapp.apply-statuses'],
        [`wa-statuses:${lineB.channelId}`, 'whatsapp.apply-statuses'],
      ].sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
    );
    for (const job of firstJobs) {
      const line = job.key.includes(lineA.channelId) ? lineA : lineB;
      expect(job.revision).toBe(0);
      expect(job.payload.tenantId).toBe(line.tenantId);
      expect(['req-A1', 'req-B1', 'req-A2', 'req-B2', 'req-A3']).toContain(job.payload.requestId);
      const conversationKey = job.key.startsWith('wa:') ? job.key.split(':')[2] : undefined;
      expect(job.payload.payload).toEqual(
        conversationKey ? { channelId: line.channelId, conversationKey } : { channelId: line.channelId },
      );
    }
  });

  it('enqueues nothing for repeats, in one batch or across batches, and only the new for a mixed delivery', async () => {
    const before = {
      events: await total('whatsapp_webhook_events'),
      inbound: await total('whatsapp_inbound'),
      statuses: await total('whatsapp_status_events'),
    };
    // Everything again, twice over in one batch.
    await submitTogether([
      { line: lineA, delivery: A1() },
      { line: lineB, delivery: B2() },
      { line: lineA, delivery: A2() },
      { line: lineB, delivery: B1() },
      { line: lineA, delivery: A1() },
      { line: lineB, delivery: B2() },
    ]);
    expect({
      events: await total('whatsapp_webhook_events'),
      inbound: await total('whatsapp_inbound'),
      statuses: await total('whatsapp_status_events'),
    }).toEqual({ ...before, events: (before.events ?? 0) + 6 });
    // Not re-added either: add_jobs would have bumped the revision and run_at of a pending job.
    expect(await jobs(channels())).toEqual(firstJobs);

    // A repeat of alice's message beside a new one of carol's: only carol's conversation is enqueued again.
    const c2 = messages.text({ from: carol, body: 'carol again' });
    await submitTogether([{ line: lineA, delivery: delivery(lineA, 'req-A4', { messages: [m.a1, c2] }) }]);
    const after = await jobs(channels());
    const carolKey = `wa:${lineA.channelId}:${carol}`;
    expect(after.filter((job) => job.key !== carolKey)).toEqual(
      firstJobs.filter((job) => job.key !== carolKey),
    );
    const carolJob = after.find((job) => job.key === carolKey);
    expect(carolJob?.revision).toBe(1);
    expect(carolJob?.payload.requestId).toBe('req-A4');
  });
});

describe('IngestBatcher without a window (the default)', () => {
  it('gathers the deliveries read in one event-loop turn into one statement, and a later one into its own', async () => {
    const statements: number[] = [];
    const batcher = new IngestBatcher(database.db, captureLogger().logger, {
      windowMs: 0,
      maxBatch: 100,
      onBatch: (size) => statements.push(size),
    });
    const one = (n: number) =>
      delivery(lineA, `req-turn-${n}`, {
        messages: [messages.text({ from: '491511000099', body: `turn ${n}` })],
      });
    await Promise.all([1, 2, 3].map((n) => batcher.submit(lineA.tenantId, one(n))));
    await batcher.submit(lineA.tenantId, one(4));
    expect(statements).toEqual([3, 1]);
  });
});

describe('storeTenantDeliveries', () => {
  it('leaves no tenant on the pooled connections once committed', async () => {
    await storeTenantDeliveries(database.db, lineA.tenantId, [
      delivery(lineA, 'req-pool', { messages: [messages.text({ from: '491511000009', body: 'pool' })] }),
    ]);
    // As many overlapping queries as the pool has connections, so every connection answers.
    const settings = await Promise.all(
      Array.from({ length: 4 }, () =>
        sql<{ tenant: string | null }>`
          select current_setting('app.tenant_id', true) as tenant from pg_sleep(0.05)`.execute(database.db),
      ),
    );
    for (const { rows } of settings) expect(rows[0]?.tenant ?? '').toBe('');
  });

  it('stores any raw bytes exactly as received', async () => {
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
    const item = { ...delivery(lineA, 'req-bytes', {}), body: bytes };
    await storeTenantDeliveries(database.db, lineA.tenantId, [item, { ...item, body: Buffer.alloc(0) }]);
    const { rows: sealed } = await sql<{ body: Buffer; tenantId: string }>`
      select body, tenant_id::text from whatsapp_webhook_events where request_id = 'req-bytes' order by id`.execute(
      database.ownerDb,
    );
    const rows = await openedRows(database.ownerDb, sealed);
    expect(rows.map((row) => row.body.toString('hex'))).toEqual([bytes.toString('hex'), '']);
  });

  it('refuses, as a whole, deliveries to a channel of another tenant', async () => {
    const before = await total('whatsapp_webhook_events');
    const message = messages.text({ from: '491511000010', body: 'wrong tenant' });
    await expect(
      storeTenantDeliveries(database.db, lineB.tenantId, [
        delivery(lineB, 'req-right', {}),
        delivery(lineA, 'req-wrong', { messages: [message] }),
      ]),
    ).rejects.toThrow(/foreign key/);
    expect(await total('whatsapp_webhook_events')).toBe(before);
    expect(await jobs([lineA.channelId, lineB.channelId])).not.toContainEqual(
      expect.objectContaining({ key: `wa:${lineA.channelId}:491511000010` }),
    );
  });
});
