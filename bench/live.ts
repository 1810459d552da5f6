/**
 * `npm run bench:live`: commit → browser latency of the live inbox. A real `leadline serve --no-worker`
 * (one process, one LISTEN connection) with BENCH_SOCKETS WebSockets of one workspace; BENCH_EVENTS
 * events are committed one transaction each at BENCH_RATE per second, and every socket must receive
 * every event. Prints p50/p95/p99 of (receipt − commit) over all deliveries. Bounded in sockets (≤ 1000),
 * events (≤ 5000) and time.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { insertUser } from '../src/accounts/accounts.repository.js';
import { SESSION_COOKIE } from '../src/accounts/session-tokens.js';
import { issueSession } from '../src/accounts/sessions.service.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { publishInboxEvent } from '../src/realtime/inbox-events.js';
import { createTenant } from '../src/tenants/tenants.repository.js';
import { delay, getJson, pollUntil, startLeadline } from '../test/fixtures/leadline-process.js';
import { TEST_SECRET_KEY, testConfig } from '../test/support/config.js';
import { freePort } from '../test/support/free-port.js';
import { startBenchDatabase } from './bench-database.js';
import { percentile } from './stats.js';

const SOCKETS = Math.min(Number(process.env.BENCH_SOCKETS ?? 200), 1_000);
const EVENTS = Math.min(Number(process.env.BENCH_EVENTS ?? 500), 5_000);
const RATE = Math.min(Number(process.env.BENCH_RATE ?? 100), 1_000);

async function main() {
  const bench = await startBenchDatabase('live');
  const { db } = bench;
  const sockets: WebSocket[] = [];
  let server: ReturnType<typeof startLeadline> | undefined;
  try {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const config = testConfig({ PUBLIC_URL: origin });
    const tenantId = (await createTenant(db, { name: 'Bench' })).id;
    const user = await insertUser(db, { email: 'bench@example.com', passwordHash: 'unused' });
    await withTenant(db, tenantId, (trx) =>
      trx.insertInto('memberships').values({ userId: user.id, role: 'agent' }).execute(),
    );
    const session = await issueSession(db, config, {
      userId: user.id,
      activeTenantId: tenantId,
      mfaPending: false,
      context: { requestId: 'bench', ip: '127.0.0.1', userAgent: 'bench' },
    });
    server = startLeadline(
      ['serve', '--no-worker'],
      {
        NODE_ENV: 'test',
        SECRET_KEY: TEST_SECRET_KEY,
        DATA_DIR: bench.dataDir,
        DATABASE_URL: bench.ownerUrl,
        DATABASE_APP_URL: bench.appUrl,
        PORT: String(port),
        PUBLIC_URL: origin,
        METRICS_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
        RATE_LIMIT_API_PER_MINUTE: '1000000',
      },
      bench.dataDir,
    );
    await pollUntil('leadline up', 60_000, async () => {
      const health = await getJson(`${origin}/health`).catch(() => undefined);
      return health?.status === 200 ? true : undefined;
    });

    const received = new Map<string, number[]>();
    for (let index = 0; index < SOCKETS; index++) {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`, {
        headers: { cookie: `${SESSION_COOKIE}=${session.token}`, origin },
      });
      await new Promise<void>((resolve, reject) => {
        socket.on('message', (data) => {
          const frame = JSON.parse(String(data)) as { type: string; messageId?: string };
          if (frame.type === 'hello') resolve();
          else if (frame.messageId) received.get(frame.messageId)?.push(Date.now());
        });
        socket.once('error', reject);
      });
      sockets.push(socket);
    }

    const committedAt = new Map<string, number>();
    const started = performance.now();
    for (let index = 0; index < EVENTS; index++) {
      const wait = started + (index * 1_000) / RATE - performance.now();
      if (wait > 0) await delay(wait);
      const messageId = randomUUID();
      received.set(messageId, []);
      await withTenant(db, tenantId, (trx) =>
        publishInboxEvent(trx, { type: 'message.created', conversationId: randomUUID(), messageId }),
      );
      committedAt.set(messageId, Date.now());
    }
    await pollUntil('every event on every socket', 60_000, async () =>
      [...received.values()].every((times) => times.length >= SOCKETS) ? true : undefined,
    );
    const latencies = [...received.entries()]
      .flatMap(([id, times]) => times.map((at) => at - (committedAt.get(id) ?? Number.NaN)))
      .sort((a, b) => a - b);
    const result = {
      sockets: SOCKETS,
      events: EVENTS,
      eventsPerSecond: RATE,
      deliveries: latencies.length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1),
    };
    console.log(`bench:live ${JSON.stringify(result)}`);
  } finally {
    for (const socket of sockets) socket.terminate();
    await server?.stop('SIGTERM', 15_000).catch(() => server?.kill());
    await bench.close();
  }
}

await main();
