/**
 * `npm run bench:e2e`: inbound webhook → reply received by the fake Graph API, at a fixed arrival rate of
 * new conversations, through a real `leadline serve` (HTTP + worker) on PostgreSQL (embedded unless
 * BENCH_DATABASE_URL names a server). Prints p50/p95/p99 of the end-to-end overhead (the fake answers at
 * once, so all of it is Leadline's), then the same split into stages. Bounded: BENCH_RATE conversations/s
 * for BENCH_SECONDS seconds.
 */
import { sql } from 'kysely';
import { createChannel } from '../src/channels/whatsapp/channels.service.js';
import type { Db } from '../src/platform/db/database.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { createTenant } from '../src/tenants/tenants.repository.js';
import { startFakeGraphApi } from '../test/fakes/graph-api.js';
import { serialise, signedHeaders, textDelivery } from '../test/fakes/meta-webhook-client.js';
import { delay, getJson, pollUntil, startLeadline } from '../test/fixtures/leadline-process.js';
import { TEST_SECRET_KEY, testConfig } from '../test/support/config.js';
import { freePort } from '../test/support/free-port.js';
import { startBenchDatabase } from './bench-database.js';
import { passThrough } from './env.js';
import { percentile } from './stats.js';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 10), 60);
const WARMUP = RATE; // the first second is not measured
const APP_SECRET = 'bench-app-secret';
const PHONE_NUMBER_ID = '106540352242922';

async function main() {
  const bench = await startBenchDatabase('e2e');
  const { db } = bench;
  const graph = await startFakeGraphApi();
  let server: ReturnType<typeof startLeadline> | undefined;
  try {
    const tenantId = (await createTenant(db, { name: 'Bench' })).id;
    const { channel } = await createChannel(
      db,
      testConfig(),
      tenantId,
      { userId: null, apiKeyId: null, context: { requestId: 'bench', ip: '127.0.0.1', userAgent: 'bench' } },
      {
        name: 'Bench line',
        phoneNumberId: PHONE_NUMBER_ID,
        displayPhoneNumber: '+1 555 078 3881',
        wabaId: '102290129340398',
        accessToken: graph.accessToken,
        appSecret: APP_SECRET,
        markAsRead: false,
      },
    );
    const port = await freePort();
    server = startLeadline(
      ['serve'],
      {
        NODE_ENV: 'test',
        SECRET_KEY: TEST_SECRET_KEY,
        DATA_DIR: bench.dataDir,
        DATABASE_URL: bench.ownerUrl,
        DATABASE_APP_URL: bench.appUrl,
        PORT: String(port),
        METRICS_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
        WORKER_CONCURRENCY: '8',
        RATE_LIMIT_WEBHOOK_PER_MINUTE: '1000000',
        WHATSAPP_GRAPH_API_URL: graph.url,
        OUTBOUND_ALLOW_PRIVATE_HOSTS: graph.hostPort,
        ...passThrough(['WEBHOOK_BATCH_WINDOW_MS', 'WORKER_CONCURRENCY', 'DATABASE_POOL_SIZE']),
      },
      bench.dataDir,
      // BENCH_PROFILE_DIR=/tmp/prof writes a V8 CPU profile of the server (open it in Chrome DevTools).
      process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [],
    );
    await pollUntil('leadline ready', 60_000, async () => {
      const ready = await getJson(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
      return ready?.status === 200 ? true : undefined;
    });

    const url = `http://127.0.0.1:${port}/webhooks/whatsapp/${channel.id}`;
    const total = RATE * SECONDS + WARMUP;
    const sentAt = new Map<string, number>();
    const ackMs: number[] = [];
    const started = performance.now();
    const posts: Promise<void>[] = [];
    for (let index = 0; index < total; index++) {
      // A fixed arrival schedule (open loop): late posts are not held back to flatter the figures.
      const due = started + (index * 1_000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
      const customer = String(15_551_000_000 + index);
      const { payload } = textDelivery(PHONE_NUMBER_ID, {
        from: customer,
        body: 'Hello, I would like a quote',
      });
      const body = serialise(payload);
      const postedAt = Date.now();
      sentAt.set(customer, postedAt);
      posts.push(
        fetch(url, { method: 'POST', headers: signedHeaders(APP_SECRET, body), body }).then(
          async (response) => {
            await response.arrayBuffer();
            if (index >= WARMUP) ackMs.push(Date.now() - postedAt);
            if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
          },
        ),
      );
    }
    await Promise.all(posts);
    const firstReply = new Map<string, number>();
    await pollUntil('every reply at the fake Graph API', 60_000, async () => {
      for (const send of graph.sends()) {
        const to = String(send.body?.to ?? '').replace(/^\+/, '');
        if (!firstReply.has(to)) firstReply.set(to, send.at);
      }
      return firstReply.size >= total ? true : undefined;
    });
    const latencies = [...sentAt.entries()]
      .slice(WARMUP)
      .map(([customer, at]) => (firstReply.get(customer) ?? Number.NaN) - at)
      .sort((a, b) => a - b);
    const result = {
      conversationsPerSecond: RATE,
      measured: latencies.length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1),
      webhookAckP50Ms: percentile(
        ackMs.sort((a, b) => a - b),
        50,
      ),
      webhookAckP95Ms: percentile(ackMs, 95),
      targetP95Ms: 25,
    };
    console.log(`bench:e2e ${JSON.stringify(result)}`);
    console.log(`bench:e2e stages ${JSON.stringify(await stages(db, tenantId, sentAt, firstReply))}`);
  } finally {
    await server?.stop('SIGTERM', 15_000).catch(() => server?.kill());
    await graph.close();
    await bench.close();
  }
}

/**
 * Where the time goes, p50/p95 per stage in ms, from the database's own clock (`now()` is the start of
 * the transaction that wrote each timestamp): webhook posted -> its receipt's transaction began ->
 * the processing transaction began -> the reply reached the fake Graph API.
 */
async function stages(
  db: Db,
  tenantId: string,
  sentAt: Map<string, number>,
  firstReply: Map<string, number>,
): Promise<Record<string, { p50: number; p95: number }>> {
  const { rows } = await withTenant(db, tenantId, (trx) =>
    sql<{ key: string; received: number; processed: number }>`
      select conversation_key as key,
             extract(epoch from received_at) * 1000 as received,
             extract(epoch from processed_at) * 1000 as processed
      from whatsapp_inbound`.execute(trx),
  );
  const measured = new Set([...sentAt.keys()].slice(WARMUP));
  const spans: Record<string, number[]> = { toReceipt: [], toProcessing: [], processingToReply: [] };
  for (const row of rows) {
    const posted = sentAt.get(row.key);
    const replied = firstReply.get(row.key);
    if (posted === undefined || replied === undefined || !measured.has(row.key)) continue;
    spans.toReceipt?.push(Number(row.received) - posted);
    spans.toProcessing?.push(Number(row.processed) - Number(row.received));
    spans.processingToReply?.push(replied - Number(row.processed));
  }
  return Object.fromEntries(
    Object.entries(spans).map(([name, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return [name, { p50: percentile(sorted, 50), p95: percentile(sorted, 95) }];
    }),
  );
}

await main();
