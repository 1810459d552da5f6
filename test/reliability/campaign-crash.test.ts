import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCampaign } from '../../src/campaigns/campaign-launch.service.js';
import { createCampaign } from '../../src/campaigns/campaigns.service.js';
import { installCampaigns } from '../../src/campaigns/recipient-outcomes.js';
import { createChannel } from '../../src/channels/whatsapp/channels.service.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { type FakeGraphApi, startFakeGraphApi } from '../fakes/graph-api.js';
import {
  delay,
  getJson,
  type LeadlineProcess,
  pollUntil,
  startLeadline,
} from '../fixtures/leadline-process.js';
import { TEST_SECRET_KEY, testConfig } from '../support/config.js';
import { freePort } from '../support/free-port.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * A campaign sending while its worker is SIGKILLed again and again (the dispatcher and the send jobs
 * die mid-batch, mid-send, between Meta's acceptance and the save), then a drain: every recipient is sent
 * (none skipped, none left queued), each reaches the fake Graph API once; a send whose answer a kill lost
 * is settled by Meta's `sent` status webhook echoing the ledger row (ADR 0018), never repeated blindly.
 * Bounded: CRASH_CAMPAIGN_RECIPIENTS (600) recipients, CRASH_CAMPAIGN_SECONDS (30) s of kills.
 */
const RECIPIENTS = Number(process.env.CRASH_CAMPAIGN_RECIPIENTS ?? 600);
const CHAOS_SECONDS = Number(process.env.CRASH_CAMPAIGN_SECONDS ?? 30);
const MIN_WORKER_KILLS = 4;
const DRAIN_MS = 180_000;
const APP_SECRET = 'campaign-crash-app-secret';
const IN_DOUBT_WAIT_SECONDS = 20;
const PHONE_NUMBER_ID = '106540352242999';
const ACTOR = {
  userId: null,
  apiKeyId: null,
  context: { requestId: 'crash', ip: '127.0.0.1', userAgent: 'vitest' },
};

let database: TestDatabase;
let graph: FakeGraphApi;
let tenantId: string;
let channelId: string;
let dataDir: string;
const children: LeadlineProcess[] = [];

beforeAll(async () => {
  // As the app and the worker do at start: the channels' campaign senders and outcome hooks.
  installCampaigns();
  database = await createTestDatabase();
  graph = await startFakeGraphApi();
  tenantId = (await createTenant(database.db, { name: 'Campaign crash' })).id;
  const { channel } = await createChannel(database.db, testConfig(), tenantId, ACTOR, {
    name: 'Campaign line',
    phoneNumberId: PHONE_NUMBER_ID,
    displayPhoneNumber: '+1 555 078 3882',
    wabaId: '102290129340398',
    accessToken: graph.accessToken,
    appSecret: APP_SECRET,
    markAsRead: false,
  });
  channelId = channel.id;
  dataDir = mkdtempSync(path.join(tmpdir(), 'leadline-campaign-crash-'));
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
  await graph?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function environment(port: number, metricsPort: number): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SECRET_KEY: TEST_SECRET_KEY,
    DATA_DIR: dataDir,
    DATABASE_URL: database.ownerUrl,
    DATABASE_APP_URL: database.appUrl,
    DATABASE_POOL_SIZE: '6',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: '6',
    WORKER_POLL_INTERVAL_MS: '500',
    WORKER_STALE_AFTER_SECONDS: '3',
    RATE_LIMIT_WEBHOOK_PER_MINUTE: '1000000',
    WHATSAPP_GRAPH_API_URL: graph.url,
    WHATSAPP_IN_DOUBT_WAIT_SECONDS: String(IN_DOUBT_WAIT_SECONDS),
    OUTBOUND_ALLOW_PRIVATE_HOSTS: graph.hostPort,
  };
}

describe('campaign sends under repeated SIGKILL of the worker', () => {
  it('messages every recipient exactly once and skips none', async () => {
    // The audience: consented Italian mobiles, a segment of everyone, a launched two-variant campaign.
    const campaignId = await withTenant(database.db, tenantId, async (trx) => {
      await trx
        .updateTable('whatsappChannels')
        .set({ messagingTier: null })
        .where('id', '=', channelId)
        .execute();
      await sql`
        insert into contacts (phone_e164, first_name)
        select '+39333' || lpad((${randomInt(1000)} * 10000 + i)::text, 7, '0'), 'Lead ' || i
        from generate_series(1, ${RECIPIENTS}) as i`.execute(trx);
      await sql`insert into consent_entries (contact_id, channel, state, source)
        select id, 'whatsapp', 'opted_in', 'import' from contacts`.execute(trx);
      const { rows } = await sql<{ id: string }>`
        insert into segments (name, filter) values ('Everyone', '{}'::jsonb) returning id`.execute(trx);
      return rows[0]?.id as string;
    }).then(async (segmentId) => {
      const campaign = await createCampaign(database.db, tenantId, ACTOR, {
        name: 'Crash',
        channelKind: 'whatsapp',
        channelId,
        segmentId,
        replyHandling: 'bot',
        quietHours: null,
        content: {
          variants: [
            { key: 'A', template: { name: 'offer_a', language: 'en_US', variables: [] } },
            { key: 'B', template: { name: 'offer_b', language: 'en_US', variables: [] } },
          ],
        },
      });
      return campaign.id;
    });

    const port = await freePort();
    const env = environment(port, await freePort());
    const api = startLeadline(['serve', '--no-worker'], env, dataDir);
    children.push(api);
    let worker = startLeadline(['worker'], { ...env, METRICS_PORT: String(await freePort()) }, dataDir);
    children.push(worker);
    await pollUntil(`API on :${port} ready`, 120_000, async () => {
      const ready = await getJson(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      return ready?.status === 200 ? true : undefined;
    });
    graph.deliverStatuses({
      url: `http://127.0.0.1:${port}/webhooks/whatsapp/${channelId}`,
      appSecret: APP_SECRET,
    });
    // A slow campaign: kills land while it sends.
    await withTenant(database.db, tenantId, (trx) =>
      trx
        .updateTable('whatsappChannels')
        .set({ messagesPerSecond: 16 })
        .where('id', '=', channelId)
        .execute(),
    );
    await launchCampaign(database.db, tenantId, ACTOR, campaignId, {});

    const workerKillTimes: number[] = [];
    const chaosEnd = Date.now() + CHAOS_SECONDS * 1_000;
    const hardEnd = chaosEnd + 90_000;
    while (Date.now() < hardEnd && (Date.now() < chaosEnd || workerKillTimes.length < MIN_WORKER_KILLS)) {
      await delay(1_500 + Math.random() * 2_500);
      workerKillTimes.push(Date.now());
      await worker.kill();
      worker = startLeadline(['worker'], { ...env, METRICS_PORT: String(await freePort()) }, dataDir);
      children.push(worker);
    }

    const owner = database.ownerDb;
    await pollUntil(
      'the campaign to complete and every send to settle',
      DRAIN_MS,
      async () => {
        const { rows } = await sql<{ status: string; pending: number }>`
          select c.status,
                 (select count(*)::int from messages where direction = 'outbound' and status = 'pending') as pending
          from campaigns c where c.id = ${campaignId}`.execute(owner);
        const row = rows[0];
        return row?.status === 'completed' && row.pending === 0 ? row : undefined;
      },
      500,
    ).catch(async (error: unknown) => {
      const left = await sql`
        select status, count(*)::int from campaign_recipients where campaign_id = ${campaignId} group by 1`.execute(
        owner,
      );
      console.log(`test:crash campaign left ${JSON.stringify(left.rows)}`);
      throw error;
    });

    const { rows: statuses } = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from campaign_recipients where campaign_id = ${campaignId} group by 1`.execute(
      owner,
    );
    const { rows: ledger } = await sql<{ rows: number; recipients: number; accepted: number }>`
      select count(*)::int as rows, count(distinct r.id)::int as recipients,
             count(m.provider_message_id)::int as accepted
      from campaign_recipients r join messages m on m.id = r.message_id
      where r.campaign_id = ${campaignId}`.execute(owner);
    const arrivals = new Map<string, number[]>();
    for (const send of graph.sends()) {
      const to = String(send.body?.to);
      arrivals.set(to, [...(arrivals.get(to) ?? []), send.at]);
    }
    let duplicates = 0;
    let duplicatesAtAKill = 0;
    for (const times of arrivals.values()) {
      if (times.length < 2) continue;
      duplicates += times.length - 1;
      if (times.some((at) => workerKillTimes.some((killedAt) => killedAt >= at && killedAt - at < 1_000))) {
        duplicatesAtAKill += times.length - 1;
      }
    }
    const summary = {
      recipients: RECIPIENTS,
      statuses: Object.fromEntries(statuses.map((row) => [row.status, row.n])),
      ledgerRows: ledger[0]?.rows,
      accepted: ledger[0]?.accepted,
      recipientsAtFakeGraph: arrivals.size,
      sendsAtFakeGraph: graph.sends().length,
      duplicates,
      duplicatesAtAKill,
      workerKills: workerKillTimes.length,
      statusWebhooksDelivered: graph.statusesDelivered(),
    };
    console.log(`test:crash campaign ${JSON.stringify(summary)}`);

    expect(summary.statuses).toEqual({ sent: RECIPIENTS });
    expect(summary.ledgerRows).toBe(RECIPIENTS);
    expect(summary.accepted).toBe(RECIPIENTS);
    expect(summary.recipientsAtFakeGraph).toBe(RECIPIENTS);
    // Beyond the in-doubt rule (a send whose answer died with the worker, re-sent only after the wait
    // when no status named it), nobody is messaged twice; with status webhooks flowing, nobody at all.
    expect(duplicates - duplicatesAtAKill).toBe(0);
    expect(duplicates).toBe(0);
    expect(workerKillTimes.length).toBeGreaterThanOrEqual(MIN_WORKER_KILLS);
  }, 600_000);
});
