/**
 * `npm run bench:ingest`: signed WhatsApp webhooks into a real `leadline serve --no-worker` (HTTP only, so
 * the figures are the ingest path's: verify, group commit, enqueue) on PostgreSQL — embedded unless
 * BENCH_DATABASE_URL names a server — then the same load against a bare Fastify + HMAC endpoint
 * (bench/hmac-ceiling.ts) in the same run, as the ceiling. Every request is a distinct delivery (a new
 * wamid, a new customer every few messages), signed like Meta signs. Prints req/s, p50 and p99 of both and
 * the ratio. Bounded: BENCH_CONNECTIONS (100) connections for BENCH_SECONDS (10) s per target, after a
 * 2 s warm-up each; 127.0.0.1 only. For each target it also prints where the machine's CPU went per
 * request (kernel accounting): the server process, the load generator (this process), and the rest. After Leadline's warm-up the database is ANALYZEd, as autovacuum keeps a
 * running deployment's statistics (BENCH_NO_ANALYZE=1 skips it: the tables are then planned as empty).
 */
import '../test/support/encryption-setup.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { sql } from 'kysely';
import { createChannel } from '../src/channels/whatsapp/channels.service.js';
import { createDb, createPool } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { createTenant } from '../src/tenants/tenants.repository.js';
import { serialise, signedHeaders, textDelivery } from '../test/fakes/meta-webhook-client.js';
import { getJson, pollUntil } from '../test/fixtures/leadline-process.js';
import { TEST_SECRET_KEY, testConfig } from '../test/support/config.js';
import { freePort } from '../test/support/free-port.js';
import { createMigratedDatabase, startTestPostgres } from '../test/support/postgres.js';
import { measureCpu } from './cpu.js';
import { passThrough } from './env.js';

const CONNECTIONS = Math.min(1_000, Number(process.env.BENCH_CONNECTIONS ?? 100));
const SECONDS = Math.min(60, Number(process.env.BENCH_SECONDS ?? 10));
const WARMUP_SECONDS = 2;
const APP_SECRET = 'bench-app-secret-7c1f3e9a';
const PHONE_NUMBER_ID = '106540352242922';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CEILING = path.join(REPO_ROOT, 'bench/hmac-ceiling.ts');

let sequence = 0;

/** A distinct signed delivery per request: new wamid; the customer changes every 4 messages. */
function signedDelivery(): { headers: Record<string, string>; body: Buffer } {
  sequence++;
  const from = String(4_915_100_000_000 + Math.floor(sequence / 4));
  const { payload } = textDelivery(PHONE_NUMBER_ID, { from, body: 'Hello, do you ship to Berlin?' });
  const body = serialise(payload);
  return { headers: signedHeaders(APP_SECRET, body), body };
}

async function load(url: string, seconds: number): Promise<Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const { headers, body } = signedDelivery();
          return { ...request, headers, body };
        },
      },
    ],
  });
}

async function measure(name: string, url: string, serverPid: number, afterWarmup?: () => Promise<void>) {
  const warmup = await load(url, WARMUP_SECONDS);
  await afterWarmup?.();
  const { result, cpu } = await measureCpu(
    serverPid,
    () => load(url, SECONDS),
    (run) => run.requests.total,
  );
  const figures = {
    name,
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    acknowledged: warmup['2xx'] + result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  process.stdout.write(
    `${name.padEnd(22)} ${String(figures.reqPerSec).padStart(7)} req/s   p50 ${String(figures.p50).padStart(4)} ms   p99 ${String(figures.p99).padStart(4)} ms   2xx ${figures.ok}   non-2xx ${figures.non2xx}   errors ${figures.errors}\n` +
      `${''.padEnd(22)} CPU per request: server ${cpu.serverUs} µs, load generator ${cpu.loadGeneratorUs} µs, ` +
      `rest of the machine (PostgreSQL, ...) ${cpu.restUs} µs; ${cpu.busyCores} of ${cpu.cores} cores busy\n`,
  );
  return figures;
}

async function main() {
  const logger = createLogger({ level: 'warn', secrets: [] });
  const postgres = await startTestPostgres(process.env.BENCH_DATABASE_URL, logger);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'leadline-bench-ingest-'));
  const database = `leadline_bench_${randomBytes(4).toString('hex')}`;
  const { ownerUrl, appUrl } = await createMigratedDatabase(
    postgres.adminUrl,
    database,
    randomBytes(18).toString('base64url'),
    logger,
  );
  const db = createDb(createPool({ connectionString: appUrl, max: 2, applicationName: 'bench-setup' }));
  const ownerDb = createDb(
    createPool({ connectionString: ownerUrl, max: 1, applicationName: 'bench-check' }),
  );
  let server: ReturnType<typeof startChild> | undefined;
  let ceiling: ReturnType<typeof startChild> | undefined;
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
        accessToken: 'EAAG-bench',
        appSecret: APP_SECRET,
      },
    );
    const port = await freePort();
    const metricsPort = await freePort();
    server = startChild(
      path.join(REPO_ROOT, 'src/cli/main.ts'),
      ['serve', '--no-worker'],
      {
        NODE_ENV: 'test',
        SECRET_KEY: TEST_SECRET_KEY,
        DATA_DIR: dataDir,
        DATABASE_URL: ownerUrl,
        DATABASE_APP_URL: appUrl,
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        LOG_LEVEL: 'warn',
        RATE_LIMIT_WEBHOOK_PER_MINUTE: '1000000',
        ...passThrough(['WEBHOOK_BATCH_WINDOW_MS', 'DATABASE_POOL_SIZE']),
      },
      // BENCH_PROFILE_DIR=/tmp/prof writes a V8 CPU profile of the server (open it in Chrome DevTools).
      process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [],
    );
    // /health, not /ready: without a worker in this process /ready reports "no worker alive".
    const starting = server;
    await pollUntil('leadline listening', 60_000, async () => {
      if (starting.exited()) throw new Error(`leadline exited: ${starting.output()}`);
      const health = await getJson(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      return health?.status === 200 ? true : undefined;
    });
    // A running deployment's tables have planner statistics (autovacuum keeps them); a database created
    // for this run would otherwise be planned as empty while it grows by thousands of rows a second.
    const analyse = async () => {
      if (process.env.BENCH_NO_ANALYZE) return;
      await sql`analyze`.execute(ownerDb);
    };
    const leadline = await measure(
      'leadline ingest',
      `http://127.0.0.1:${port}/webhooks/whatsapp/${channel.id}`,
      server.pid,
      analyse,
    );
    const batches = await batchFigures(metricsPort);
    await server.stop();
    server = undefined;

    const ceilingPort = await freePort();
    ceiling = startChild(CEILING, [], { PORT: String(ceilingPort), APP_SECRET });
    const started = ceiling;
    await pollUntil('ceiling listening', 30_000, async () =>
      started.output().includes('listening') ? true : undefined,
    );
    const bare = await measure(
      'bare fastify + hmac',
      `http://127.0.0.1:${ceilingPort}/webhooks/whatsapp/${channel.id}`,
      ceiling.pid,
    );

    const { rows } = await sql<{ receipts: number; events: number; jobs: number }>`
      select (select count(*)::int from whatsapp_inbound) as receipts,
             (select count(*)::int from whatsapp_webhook_events) as events,
             (select count(*)::int from graphile_worker._private_jobs) as jobs`.execute(ownerDb);
    const stored = rows[0];
    const ratio = leadline.reqPerSec / bare.reqPerSec;
    // Every delivery is distinct, so each 200 must have left exactly one receipt behind.
    const lost = leadline.acknowledged - (stored?.receipts ?? 0);
    process.stdout.write(
      `acknowledged (2xx, incl. warm-up): ${leadline.acknowledged}; stored: ${stored?.events} raw events, ` +
        `${stored?.receipts} receipts, ${stored?.jobs} jobs — ${lost > 0 ? `${lost} ACKNOWLEDGED BUT NOT STORED` : 'none lost'}\n` +
        `group commit: ${batches.batches} transactions, ${batches.average.toFixed(1)} requests per transaction on average\n` +
        `ratio leadline / ceiling: ${ratio.toFixed(2)} (target >= 0.5), leadline p99 ${leadline.p99} ms (target <= 50)\n`,
    );
    process.exitCode = leadline.non2xx + leadline.errors + Math.max(0, lost) > 0 ? 1 : 0;
  } finally {
    await server?.kill();
    await ceiling?.kill();
    await db.destroy();
    await ownerDb.destroy();
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Transactions and mean requests per transaction, from the server's batch-size histogram. */
async function batchFigures(metricsPort: number): Promise<{ batches: number; average: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const batches = value('leadline_webhook_batch_size_count');
  return { batches, average: value('leadline_webhook_batch_size_sum') / batches };
}

/** A TypeScript entry point as a child process (tsx loader), with exactly PATH, HOME and `env`. */
function startChild(script: string, args: string[], env: Record<string, string>, execArgv: string[] = []) {
  const loader = pathToFileURL(path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(process.execPath, [...execArgv, '--import', loader, script, ...args], {
    cwd: env.DATA_DIR ?? REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? REPO_ROOT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exitedPromise = once(child, 'exit');
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stopWith = async (signal: NodeJS.Signals) => {
    if (exited()) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  if (child.pid === undefined) throw new Error(`${script} did not start`);
  return {
    pid: child.pid,
    output: () => output,
    exited,
    /** SIGTERM: a graceful stop (and the CPU profile, when asked for, is written). */
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  };
}

await main();
