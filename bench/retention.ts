/**
 * `npm run bench:retention`: BENCH_MESSAGES (1,000,000) messages past their retention are removed by the
 * retention job while signed WhatsApp webhooks arrive at BENCH_RATE (200) requests/s on the same in-process
 * app (startBenchApp) and database. Prints the rows/s removed and the webhook latency (p50, p99) during the
 * removal, and the machine's load average. Bounded: seeding in 100,000-row chunks, the webhook load stops
 * when the removal ends or after BENCH_SECONDS (300) s; 127.0.0.1 only. PostgreSQL is embedded unless
 * BENCH_DATABASE_URL names a server.
 */
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { createChannel } from '../src/channels/whatsapp/channels.service.js';
import { createFilesystemBlobStore } from '../src/platform/blobs/filesystem-blob-store.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { DEFAULT_RETENTION, saveRetentionPolicy } from '../src/privacy/retention.repository.js';
import { applyRetention } from '../src/privacy/retention.service.js';
import { createTenant } from '../src/tenants/tenants.repository.js';
import { serialise, signedHeaders, textDelivery } from '../test/fakes/meta-webhook-client.js';
import { startBenchApp } from './bench-app.js';
import { startBenchDatabase } from './bench-database.js';
import { percentile } from './stats.js';

const MESSAGES = Math.min(5_000_000, Number(process.env.BENCH_MESSAGES ?? 1_000_000));
const RATE = Math.min(2_000, Number(process.env.BENCH_RATE ?? 200));
const MAX_SECONDS = Math.min(900, Number(process.env.BENCH_SECONDS ?? 300));
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000);
const CHUNK = 100_000;
const APP_SECRET = 'bench-app-secret-retention';
const PHONE_NUMBER_ID = '106540352242923';

let sequence = 0;
function signedDelivery() {
  sequence++;
  const from = String(4_915_200_000_000 + Math.floor(sequence / 4));
  const body = serialise(textDelivery(PHONE_NUMBER_ID, { from, body: 'Still there?' }).payload);
  return { headers: signedHeaders(APP_SECRET, body), body };
}

async function main() {
  const bench = await startBenchDatabase('retention', { poolSize: 6 });
  const started = await startBenchApp(bench, 'retention');
  try {
    const tenantId = (await createTenant(bench.db, { name: 'Bench' })).id;
    const { channel } = await createChannel(
      bench.db,
      started.config,
      tenantId,
      { userId: null, apiKeyId: null, context: { requestId: 'bench', ip: '127.0.0.1', userAgent: 'bench' } },
      {
        name: 'Bench line',
        phoneNumberId: PHONE_NUMBER_ID,
        displayPhoneNumber: '+1 555 078 3882',
        wabaId: '102290129340399',
        accessToken: 'EAAG-bench',
        appSecret: APP_SECRET,
      },
    );
    const conversationId = await withTenant(bench.db, tenantId, async (trx) => {
      const contact = await trx
        .insertInto('contacts')
        .values({ phoneE164: '+4915100000001', waId: '4915100000001' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { rows } = await sql<{ id: string }>`
        insert into conversations (channel_id, contact_id) values (${channel.id}, ${contact.id}) returning id`.execute(
        trx,
      );
      await saveRetentionPolicy(trx, {
        ...DEFAULT_RETENTION,
        days: { ...DEFAULT_RETENTION.days, messages: 30 },
      });
      return rows[0]?.id as string;
    });

    const seedStart = performance.now();
    for (let done = 0; done < MESSAGES; done += CHUNK) {
      const n = Math.min(CHUNK, MESSAGES - done);
      await withTenant(started.ownerDb, tenantId, (trx) =>
        sql`
          insert into messages (conversation_id, channel_id, direction, author, provider_message_id, type, text,
                                content, sent_at, created_at)
          select ${conversationId}, ${channel.id}, 'inbound', 'customer', 'wamid.bench.' || (${done} + g), 'text',
                 'an old message ' || g, '{}', now() - interval '40 days', now() - interval '40 days'
          from generate_series(1, ${n}) g`.execute(trx),
      );
    }
    await sql`analyze messages`.execute(started.ownerDb);
    process.stdout.write(
      `seeded ${MESSAGES} messages in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`,
    );

    const address = await started.app.listen({ host: '127.0.0.1', port: 0 });
    // An open-loop load: one request every 1000/RATE ms whatever the answers' pace (latency is not hidden
    // by waiting), each timed from its send to its answer.
    const url = `${address}/webhooks/whatsapp/${channel.id}`;
    const latencies: number[] = [];
    const statuses = { ok: 0, other: 0, failed: 0 };
    const inFlight = new Set<Promise<void>>();
    const send = () => {
      const { headers, body } = signedDelivery();
      const sentAt = performance.now();
      const request = fetch(url, { method: 'POST', headers, body })
        .then(async (response) => {
          await response.arrayBuffer();
          latencies.push(performance.now() - sentAt);
          if (response.status >= 200 && response.status < 300) statuses.ok++;
          else statuses.other++;
        })
        .catch(() => {
          statuses.failed++;
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    };
    const timer = setInterval(send, 1000 / RATE);

    const removalStart = performance.now();
    const deadline = Date.now() + MAX_SECONDS * 1000;
    let removed = 0;
    const run = await applyRetention((work) => withTenant(bench.db, tenantId, work), tenantId, {
      blobs: createFilesystemBlobStore(`${bench.dataDir}/blobs`),
      batchSize: BATCH,
      onRemoved: (kind, count) => {
        if (kind === 'messages') removed += count;
        if (Date.now() > deadline) throw new Error(`removal not finished within ${MAX_SECONDS} s`);
      },
    });
    const seconds = (performance.now() - removalStart) / 1000;
    const load1 = loadavg()[0] ?? 0;
    clearInterval(timer);
    await Promise.all(inFlight);
    latencies.sort((a, b) => a - b);

    process.stdout.write(
      `${[
        `removed ${run.removed.messages ?? removed} messages in ${seconds.toFixed(1)} s: ${Math.round(removed / seconds)} rows/s (batch ${BATCH})`,
        `webhooks during the removal: ${latencies.length} answered at ${RATE}/s, 2xx ${statuses.ok}, other ${statuses.other}, failed ${statuses.failed}`,
        `webhook latency: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (target p99 <= 50 ms)`,
        `load average (1 min) at the end: ${load1.toFixed(2)}`,
      ].join('\n')}\n`,
    );
  } finally {
    await started.close();
    await bench.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
