/**
 * `npm run bench:retention`: BENCH_MESSAGES (1,000,000) messages past their retention are removed by the
 * retention job while signed WhatsApp webhooks arrive at BENCH_RATE (200) requests/s, sent by a load
 * generator in its own process (bench/retention-load.ts), on the app (startBenchApp) serving in this
 * process over the same database. Prints the rows/s removed and the webhook latency (p50, p99) during the
 * removal, and the machine's load average. Bounded: seeding in 100,000-row chunks, the webhook load stops
 * when the removal ends or after BENCH_SECONDS (300) s; 127.0.0.1 only. PostgreSQL is embedded unless
 * BENCH_DATABASE_URL names a server.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { sql } from 'kysely';
import { createChannel } from '../src/channels/whatsapp/channels.service.js';
import { createFilesystemBlobStore } from '../src/platform/blobs/filesystem-blob-store.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { DEFAULT_RETENTION, saveRetentionPolicy } from '../src/privacy/retention.repository.js';
import { applyRetention } from '../src/privacy/retention.service.js';
import { createTenant } from '../src/tenants/tenants.repository.js';
import { startBenchApp } from './bench-app.js';
import { startBenchDatabase } from './bench-database.js';
import type { LoadResult } from './retention-load.js';
import { percentile } from './stats.js';

const MESSAGES = Math.min(5_000_000, Number(process.env.BENCH_MESSAGES ?? 1_000_000));
const RATE = Math.min(2_000, Number(process.env.BENCH_RATE ?? 200));
const MAX_SECONDS = Math.min(900, Number(process.env.BENCH_SECONDS ?? 300));
// The retention job's settings (RETENTION_BATCH_SIZE, RETENTION_WORK_SHARE); their defaults unless given.
const BATCH = Number(process.env.RETENTION_BATCH_SIZE ?? 1_000);
const WORK_SHARE = Number(process.env.RETENTION_WORK_SHARE ?? 0.5);
const WARMUP_SECONDS = 3;
const BASELINE_SECONDS = Math.min(120, Number(process.env.BENCH_BASELINE_SECONDS ?? 15));
// WEBHOOK_BATCH_WINDOW_MS of the server (group commit of webhooks; 0, the default, commits each alone).
const WINDOW_MS = Math.min(50, Number(process.env.BENCH_WINDOW_MS ?? 0));
const CHUNK = 100_000;
const APP_SECRET = 'bench-app-secret-retention';
const PHONE_NUMBER_ID = '106540352242923';

/** Forks the load generator, resolves once its warm-up is over; `stop` ends it and returns what it timed. */
async function startLoad(options: Record<string, unknown>) {
  const child = fork(new URL('./retention-load.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_LOAD: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: { type: string }[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (message: { type: string }) => {
    messages.push(message);
    wake?.();
  });
  const next = async (type: string) => {
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`the load generator exited with ${child.exitCode}`);
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), once(child, 'exit')]);
    }
  };
  await next('ready');
  return {
    phase: (name: string) => child.send({ type: 'phase', name }),
    stop: async () => {
      child.send({ type: 'stop' });
      const result = (await next('result')) as LoadResult;
      if (child.exitCode === null) await once(child, 'exit');
      return result;
    },
  };
}

async function main() {
  const bench = await startBenchDatabase('retention', { poolSize: 6 });
  // 200 webhooks/s from one address is above the default per-IP webhook limit (6,000/min): lift it.
  const started = await startBenchApp(bench, 'retention', {
    RATE_LIMIT_WEBHOOK_PER_MINUTE: '1000000',
    WEBHOOK_BATCH_WINDOW_MS: String(WINDOW_MS),
  });
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
    // The load generator runs in its own process (bench/retention-load.ts): in this one it shared the event
    // loop with the server and the removal, and its own timers and sends were what starved.
    const load = await startLoad({
      url: `${address}/webhooks/whatsapp/${channel.id}`,
      rate: RATE,
      appSecret: APP_SECRET,
      phoneNumberId: PHONE_NUMBER_ID,
      warmupSeconds: WARMUP_SECONDS,
      maxSeconds: MAX_SECONDS,
    });

    // First the webhook load alone (what the machine gives it without a removal), then with the removal.
    load.phase('baseline');
    await new Promise((resolve) => setTimeout(resolve, BASELINE_SECONDS * 1000));
    load.phase('removal');
    const loadAtStart = loadavg()[0] ?? 0;
    const removalStart = performance.now();
    const cpuStart = process.cpuUsage();
    const deadline = Date.now() + MAX_SECONDS * 1000;
    let removed = 0;
    const run = await applyRetention((work) => withTenant(bench.db, tenantId, work), tenantId, {
      blobs: createFilesystemBlobStore(`${bench.dataDir}/blobs`),
      batchSize: BATCH,
      workShare: WORK_SHARE,
      onRemoved: (kind, count) => {
        if (kind === 'messages') removed += count;
        if (Date.now() > deadline) throw new Error(`removal not finished within ${MAX_SECONDS} s`);
      },
    });
    const seconds = (performance.now() - removalStart) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const load1 = loadavg()[0] ?? 0;
    const { phases } = await load.stop();

    const describe = (name: string, label: string) => {
      const p = phases[name];
      if (!p) return `${label}: no data`;
      return [
        `${label} (${p.seconds.toFixed(1)} s): ${p.sent} sent = ${(p.sent / p.seconds).toFixed(0)}/s of ${RATE}/s asked, ${(p.answeredInPhase / p.seconds).toFixed(0)}/s answered within it; 2xx ${p.ok}, other ${p.other}, failed ${p.failed}, unanswered ${p.unanswered}`,
        `  latency p50 ${percentile(p.latencies, 50)} ms, p99 ${percentile(p.latencies, 99)} ms; load generator ${p.cpuPercent}% of one core`,
      ].join('\n');
    };
    process.stdout.write(
      `${[
        `removed ${run.removed.messages ?? removed} messages in ${seconds.toFixed(1)} s: ${Math.round(removed / seconds)} rows/s (batch ${BATCH}, work share ${WORK_SHARE})`,
        describe('baseline', 'webhooks before the removal'),
        describe('removal', 'webhooks during the removal'),
        `webhook p99 during the removal: ${percentile(phases.removal?.latencies ?? [], 99)} ms (target p99 <= 50 ms); webhook batch window ${WINDOW_MS} ms`,
        `server + removal process CPU during the removal: ${((cpu.user + cpu.system) / 1e4 / seconds).toFixed(0)}% of one core; load average (1 min) ${loadAtStart.toFixed(2)} at the start, ${load1.toFixed(2)} at the end, on ${availableParallelism()} cores`,
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
