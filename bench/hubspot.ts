/**
 * `npm run bench:hubspot`: issue 15's HubSpot figure. BENCH_CONTACTS (100,000) qualified contacts are
 * synced to the fake HubSpot on loopback, under its published limit for private apps (190 requests per
 * rolling 10 s by default; BENCH_HUBSPOT_LIMIT changes it), by the real worker running the real drain job.
 * Another app on the same account spends most of the shared limit in bursts meanwhile, so HubSpot answers
 * 429s and the sync must honour them. Prints records/s, 429s received, and records lost and duplicated
 * (both must be 0). Bounded: the sync gives up after BENCH_MAX_SECONDS (600). PostgreSQL is embedded
 * unless BENCH_DATABASE_URL names a server. The machine is shared: figures are noisy.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { listStages } from '../src/contacts/pipeline/pipeline.js';
import { connectHubspot, hubspotSecretBox } from '../src/integrations/hubspot/connection.service.js';
import { createHubspotTasks } from '../src/integrations/hubspot/hubspot.tasks.js';
import { createHubspotRuntime } from '../src/integrations/hubspot/hubspot-runtime.js';
import { createPool } from '../src/platform/db/database.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { startWorker } from '../src/platform/jobs/worker.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { FAKE_HUBSPOT_TOKEN, startFakeHubspot } from '../test/fakes/hubspot.js';
import { testConfig } from '../test/support/config.js';
import { newTenant } from '../test/support/tenant-members.js';
import { startBenchDatabase } from './bench-database.js';

const CONTACTS = Math.min(500_000, Number(process.env.BENCH_CONTACTS ?? 100_000));
const LIMIT = Math.min(1_000, Number(process.env.BENCH_HUBSPOT_LIMIT ?? 190));
const MAX_SECONDS = Math.min(3_600, Number(process.env.BENCH_MAX_SECONDS ?? 600));
// Every 10 s another app spends most of the window at once, so the sync meets full windows and 429s.
const NOISE_BURST = Math.ceil(LIMIT * 0.8);

async function main(): Promise<void> {
  const fake = await startFakeHubspot({ maxPerInterval: LIMIT, intervalMs: 10_000 });
  const bench = await startBenchDatabase('hubspot', { poolSize: 4 });
  const config = testConfig({ HUBSPOT_API_URL: fake.url });
  const runtime = createHubspotRuntime({ config });
  const logger = createLogger({ level: 'warn', secrets: [] });
  const workerPool = createPool({
    connectionString: bench.appUrl,
    max: 4,
    applicationName: 'bench-hubspot-worker',
  });
  let noise: NodeJS.Timeout | undefined;
  try {
    const tenantId = await newTenant(bench.db, 'HubSpot bench');
    // Qualified contacts, written set-based before the account is connected.
    await withTenant(bench.db, tenantId, async (trx) => {
      const qualified = (await listStages(trx)).find((stage) => stage.autoEvent === 'qualified');
      await sql`
        insert into contacts (phone_e164, first_name, last_name, email, company, stage_id, source, custom_fields)
        select '+3934' || lpad(n::text, 8, '0'), 'Lead' || n, 'Rossi', 'lead' || n || '@example.com',
               'Firm ' || (n % 500), ${qualified?.id ?? null}::uuid, 'import', '{}'::jsonb
        from generate_series(1, ${CONTACTS}::int) n`.execute(trx);
    });
    const actor = {
      userId: null,
      apiKeyId: null,
      context: { requestId: 'bench', ip: '127.0.0.1', userAgent: 'bench' },
    };

    const started = performance.now();
    // Connecting checks the token, creates leadline_id and queues every contact (one outbox row each).
    await connectHubspot(bench.db, config, runtime.client, tenantId, actor, { token: FAKE_HUBSPOT_TOKEN });
    // Another app on the account: a burst of calls every 10 s, from the same shared limit.
    let noiseCalls = 0;
    noise = setInterval(() => {
      for (let i = 0; i < NOISE_BURST; i++) {
        noiseCalls++;
        fetch(`${fake.url}/account-info/v3/details`, {
          headers: { authorization: `Bearer ${FAKE_HUBSPOT_TOKEN}` },
        }).catch(() => undefined);
      }
    }, 10_000);

    const worker = await startWorker({
      pool: workerPool,
      db: bench.db,
      logger,
      tasks: createHubspotTasks({ client: runtime.client, box: hubspotSecretBox(config) }),
      concurrency: 2,
      pollIntervalMs: 200,
      staleAfterMs: 600_000,
      shutdownTimeoutMs: 5_000,
    });
    const deadline = started + MAX_SECONDS * 1000;
    let backlog = CONTACTS;
    while (performance.now() < deadline) {
      const row = await withTenant(bench.db, tenantId, (trx) =>
        trx
          .selectFrom('hubspotOutbox')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow(),
      );
      backlog = Number(row.n);
      if (backlog === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(noise);
    noise = undefined;
    await worker.stop();

    const ids = await withTenant(bench.db, tenantId, (trx) =>
      trx.selectFrom('contacts').select('id').execute(),
    );
    let lost = 0;
    for (const { id } of ids) if (!fake.contactBy('leadline_id', id)) lost++;
    const duplicated = fake.duplicateContacts();
    const upserts = fake.callsTo('/crm/v3/objects/contacts/batch/upsert');
    const written = upserts.filter((call) => call.status === 200 || call.status === 207);
    const inputs = written.reduce((sum, call) => sum + (call.body as { inputs: unknown[] }).inputs.length, 0);
    const ourRefusals = upserts.filter((call) => call.status === 429).length;
    const portal = String(fake.portalId);
    console.log(`contacts:               ${CONTACTS.toLocaleString('en')} qualified`);
    console.log(`published limit:        ${LIMIT} requests / 10 s (rolling, per account)`);
    console.log(`other app on account:   ${noiseCalls} calls in bursts of ${NOISE_BURST} every 10 s`);
    console.log(`elapsed:                ${seconds.toFixed(1)} s (backlog left: ${backlog})`);
    console.log(`records/s:              ${(CONTACTS / seconds).toFixed(0)}`);
    console.log(
      `batch upserts:          ${written.length} (${inputs.toLocaleString('en')} inputs, ≤ 100 each)`,
    );
    console.log(
      `429s received (sync):   ${runtime.client.tooManyRequests(portal)} (upserts refused: ${ourRefusals})`,
    );
    console.log(`429s sent (all apps):   ${fake.tooManyRequests}`);
    console.log(`records lost:           ${lost}`);
    console.log(`records duplicated:     ${duplicated}`);
    console.log(`redundant writes:       ${fake.contactWrites - (CONTACTS - lost)}`);
    console.log(
      `load average:           ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
    if (lost > 0 || duplicated > 0) process.exitCode = 1;
  } finally {
    if (noise) clearInterval(noise);
    await workerPool.end();
    await runtime.close();
    await bench.close();
    await fake.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
