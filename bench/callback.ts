/**
 * `npm run bench:callback`: call-back widget submissions at BENCH_RATE/s (default 20) for BENCH_SECONDS
 * (default 30, at most 60) against a real `leadline serve` (HTTP + worker) on PostgreSQL (embedded unless
 * BENCH_DATABASE_URL names a server) and the fake Twilio. Prints p50/p95 from submit to the fake's
 * Calls.json request for that call-back (target p95 ≤ 300 ms), the server's verification cost per request
 * (ALTCHA signature + key check, in process), and the widget bundle's gzipped size. ALTCHA is solved
 * before the clock starts: solving is the visitor's browser's work, not the server's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { connectTwilio, syncNumbers } from '../src/channels/twilio/connection.service.js';
import { createTwilioRestClient } from '../src/channels/twilio/rest.client.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { createOutboundClient } from '../src/platform/http/outbound/outbound-client.js';
import { createTenant } from '../src/tenants/tenants.repository.js';
import { Altcha } from '../src/widgets/altcha.js';
import { createWidget, saveSettings } from '../src/widgets/widgets.service.js';
import { startFakeTwilio } from '../test/fakes/twilio.js';
import { delay, getJson, pollUntil, startLeadline } from '../test/fixtures/leadline-process.js';
import { TEST_SECRET_KEY, testConfig } from '../test/support/config.js';
import { freePort } from '../test/support/free-port.js';
import { startBenchDatabase } from './bench-database.js';
import { percentile } from './stats.js';

const RATE = Number(process.env.BENCH_RATE ?? 20);
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 30), 60);
const ORIGIN = 'https://shop.example.com';
const ACTOR = {
  userId: null,
  apiKeyId: null,
  context: { requestId: 'bench', ip: '127.0.0.1', userAgent: 'bench' },
};

async function main() {
  const bench = await startBenchDatabase('callback');
  const { db } = bench;
  const twilio = await startFakeTwilio();
  const account = twilio.addAccount();
  let server: ReturnType<typeof startLeadline> | undefined;
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    NODE_ENV: 'test',
    SECRET_KEY: TEST_SECRET_KEY,
    PUBLIC_URL: baseUrl,
    TWILIO_API_URL: twilio.url,
    OUTBOUND_ALLOW_PRIVATE_HOSTS: twilio.hostPort,
    ALTCHA_MAX_COUNTER: '1000',
  };
  const http = createOutboundClient({
    connectTimeoutMs: 2_000,
    timeoutMs: 5_000,
    allowPrivateHosts: [twilio.hostPort],
  });
  try {
    const config = testConfig(env);
    const rest = createTwilioRestClient({ http, baseUrl: twilio.url });
    const tenantId = (await createTenant(db, { name: 'Bench' })).id;
    await connectTwilio(db, config, rest, tenantId, ACTOR, {
      accountSid: account.accountSid,
      authToken: account.authToken,
    });
    const [caller] = await syncNumbers(db, config, rest, tenantId);
    await saveSettings(db, tenantId, ACTOR, {
      allowedCountries: ['IT'],
      retryAfterMinutes: 10,
      maxRetries: 0,
      machineDetection: false,
      perNumberPerDay: 3,
      perWidgetPerDay: 100_000,
      notifyEmail: null,
      notifySmsE164: null,
    });
    const widget = await createWidget(db, tenantId, ACTOR, {
      name: 'Bench',
      allowedOrigins: [ORIGIN],
      defaultCountry: 'IT',
      texts: {},
      colors: {},
      agentNumbers: ['+390612345678'],
      ringStrategy: 'simultaneous',
      callerNumberId: caller?.id ?? null,
    });

    server = startLeadline(
      ['serve'],
      {
        ...env,
        DATA_DIR: bench.dataDir,
        DATABASE_URL: bench.ownerUrl,
        DATABASE_APP_URL: bench.appUrl,
        PORT: String(port),
        METRICS_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
        WORKER_CONCURRENCY: '8',
        RATE_LIMIT_PUBLIC_FORM_PER_MINUTE: '1000000',
        CALLBACK_PER_IP_PER_HOUR: '10000',
        // Visitors come from many addresses: each submission names its own through the trusted proxy.
        TRUST_PROXY: '127.0.0.1',
      },
      bench.dataDir,
    );
    const started_ = server;
    await pollUntil('leadline ready', 60_000, async () => {
      const ready = await getJson(`${baseUrl}/ready`).catch(() => undefined);
      return ready?.status === 200 ? true : undefined;
    }).catch((error: unknown) => {
      console.error(started_.stderr().slice(-3000));
      throw error;
    });

    const total = RATE * SECONDS;
    const api = `${baseUrl}/api/v1/public/widgets/${widget.publicKey}`;
    const payloads: string[] = [];
    for (let index = 0; index < total; index++) {
      const challenge = (await (
        await fetch(`${api}/challenge`, { headers: { origin: ORIGIN } })
      ).json()) as Challenge;
      const solution = await solveChallenge({ challenge, deriveKey });
      payloads.push(Buffer.from(JSON.stringify({ challenge, solution })).toString('base64'));
    }

    const sentAt = new Map<string, number>();
    const statuses = new Map<number, number>();
    const ackMs: number[] = [];
    const started = performance.now();
    const posts: Promise<void>[] = [];
    for (let index = 0; index < total; index++) {
      const due = started + (index * 1_000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
      const phone = `+39347${String(1_000_000 + index).padStart(7, '0')}`;
      sentAt.set(phone, performance.now());
      posts.push(
        fetch(`${api}/callbacks`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            origin: ORIGIN,
            'x-forwarded-for': `198.51.${Math.floor(index / 250) % 250}.${(index % 250) + 1}`,
          },
          body: JSON.stringify({ phone, language: 'en', altcha: payloads[index] }),
        }).then(async (response) => {
          await response.arrayBuffer();
          ackMs.push(performance.now() - (sentAt.get(phone) ?? 0));
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }),
      );
    }
    await Promise.all(posts);
    await pollUntil('every Calls.json request', 60_000, async () =>
      twilio.calls.length >= total ? true : undefined,
    );
    const rows = await withTenant(db, tenantId, (trx) =>
      trx.selectFrom('callbacks').select(['id', 'visitorE164']).execute(),
    );
    const callAt = new Map(
      twilio.calls.map((call) => [call.url.split('/callbacks/')[1]?.split('/')[0], call.createdAt]),
    );
    const latencies = rows
      .map((row) => (callAt.get(row.id) ?? Number.NaN) - (sentAt.get(row.visitorE164) ?? Number.NaN))
      .filter((value) => Number.isFinite(value))
      .sort((a, b) => a - b);

    // The server's own check of a solved challenge: HMAC of the challenge and of the derived key.
    const altcha = new Altcha(db, { secretKey: TEST_SECRET_KEY, maxCounter: 1000, expiresSeconds: 600 });
    const checks: string[] = [];
    for (let index = 0; index < 200; index++) {
      const challenge = await altcha.challenge('wk_benchbenchbenchbench');
      const solution = await solveChallenge({ challenge, deriveKey });
      checks.push(Buffer.from(JSON.stringify({ challenge, solution })).toString('base64'));
    }
    const verifyStarted = performance.now();
    for (const payload of checks) await altcha.verify(db, payload, 'wk_benchbenchbenchbench');
    const verifyMs = (performance.now() - verifyStarted) / checks.length;

    if (process.env.BENCH_VERBOSE) console.error(server.stderr().slice(-4000), server.stdout().slice(-4000));
    execFileSync(process.execPath, ['widget/build.mjs'], { stdio: 'ignore' });
    const bundleGzipBytes = gzipSync(readFileSync('dist/widget/widget.js'), { level: 9 }).length;

    console.log(
      `bench:callback ${JSON.stringify({
        submissionsPerSecond: RATE,
        seconds: SECONDS,
        answers: Object.fromEntries(statuses),
        measured: latencies.length,
        submitToCallsJsonP50Ms: percentile(latencies, 50),
        submitToCallsJsonP95Ms: percentile(latencies, 95),
        maxMs: latencies.at(-1),
        targetP95Ms: 300,
        submitAnsweredP50Ms: percentile(
          ackMs.sort((a, b) => a - b),
          50,
        ),
        submitAnsweredP95Ms: percentile(ackMs, 95),
        altchaVerifyMsPerRequest: Math.round(verifyMs * 1000) / 1000,
        widgetBundleGzipBytes: bundleGzipBytes,
      })}`,
    );
  } finally {
    await server?.stop('SIGTERM', 15_000).catch(() => server?.kill());
    await http.close();
    await twilio.close();
    await bench.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
