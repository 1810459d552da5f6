/**
 * `npm run bench:inbox`: the operator inbox's read APIs on a large tenant. Seeds 100k contacts with one
 * conversation each and 1M messages (SQL generate_series, seconds not hours), read marks for half of the
 * conversations, labels and assignments; then measures, through real HTTP on 127.0.0.1 with a signed-in
 * session (so unread counts are computed), the conversation list (every filter, following cursors), search
 * (names, phone digits with and without +, e-mail, company, rare and absent terms) and the thread (newest
 * page of a random conversation, then the page before). PostgreSQL is embedded unless BENCH_DATABASE_URL
 * names a server. Bounded: BENCH_REQUESTS (400) requests per API, at most BENCH_SECONDS (30) s each.
 * Prints p50/p95 per API and the target: p95 <= 20 ms.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createChannel } from '../src/channels/whatsapp/channels.service.js';
import { newTenant, signedInMember } from '../test/support/tenant-members.js';
import { startBenchApp } from './bench-app.js';
import { startBenchDatabase } from './bench-database.js';
import { seedInbox } from './seed-inbox.js';
import { percentile } from './stats.js';

const CONTACTS = Math.min(1_000_000, Number(process.env.BENCH_CONTACTS ?? 100_000));
const REQUESTS = Math.min(5_000, Number(process.env.BENCH_REQUESTS ?? 400));
const SECONDS = Math.min(120, Number(process.env.BENCH_SECONDS ?? 30));
const TARGET_P95_MS = 20;
const CONTEXT = { requestId: 'bench-inbox', ip: '127.0.0.1', userAgent: 'bench' };

interface Figures {
  name: string;
  count: number;
  p50: number;
  p95: number;
  max: number;
}

/** Sequential requests (one client, keep-alive), each timed end to end; stops at REQUESTS or SECONDS. */
async function measure(
  name: string,
  nextUrl: (index: number, previous: unknown) => string,
  headers: Record<string, string>,
  /** Groups requests (a filter, a search term) for the per-variant medians printed with BENCH_DETAIL=1. */
  variant: (index: number) => string = () => name,
): Promise<Figures> {
  const timings: number[] = [];
  const byVariant = new Map<string, number[]>();
  const deadline = performance.now() + SECONDS * 1000;
  let previous: unknown;
  // A short warm-up: plans and connections are cached in a server that has run for a while.
  for (let i = 0; i < 20; i++) await fetch(nextUrl(i, undefined), { headers }).then((r) => r.arrayBuffer());
  for (let i = 0; i < REQUESTS && performance.now() < deadline; i++) {
    const url = nextUrl(i, previous);
    const started = performance.now();
    const response = await fetch(url, { headers });
    const body = await response.json();
    const elapsed = performance.now() - started;
    timings.push(elapsed);
    byVariant.set(variant(i), [...(byVariant.get(variant(i)) ?? []), elapsed]);
    if (response.status !== 200) throw new Error(`${name}: ${url} answered ${response.status}`);
    previous = body;
  }
  timings.sort((a, b) => a - b);
  const figures = {
    name,
    count: timings.length,
    p50: percentile(timings, 50),
    p95: percentile(timings, 95),
    max: Math.round((timings.at(-1) ?? 0) * 10) / 10,
  };
  process.stdout.write(
    `${name.padEnd(8)} ${String(figures.count).padStart(5)} requests   p50 ${String(figures.p50).padStart(5)} ms   ` +
      `p95 ${String(figures.p95).padStart(5)} ms   max ${String(figures.max).padStart(6)} ms   ` +
      `${figures.p95 <= TARGET_P95_MS ? 'ok' : 'OVER TARGET'} (p95 <= ${TARGET_P95_MS} ms)\n`,
  );
  if (process.env.BENCH_DETAIL === '1') {
    for (const [label, values] of byVariant) {
      values.sort((a, b) => a - b);
      process.stdout.write(
        `  ${label.padEnd(24)} p50 ${percentile(values, 50)} ms   p95 ${percentile(values, 95)} ms\n`,
      );
    }
  }
  return figures;
}

const FILTERS = ['open', 'mine', 'unassigned', 'bot', 'human', 'closed'];
const SEARCHES = [
  'anna',
  'rossi',
  'marco bianchi',
  'silva',
  '330001',
  '+39 330 004 2',
  '3300099999',
  'giulia.ferrari',
  '@example.com',
  'company 42',
  'company 4999',
  'joão',
  'nobody-has-this-name',
  'ma',
];

async function main() {
  const bench = await startBenchDatabase('inbox', { poolSize: 10, keepOnServer: true });
  const { db, name } = bench;
  const { app, config, ownerDb, close } = await startBenchApp(bench, 'inbox');
  try {
    const tenantId = await newTenant(db, 'Bench inbox');
    const operator = await signedInMember(db, config, { tenantId, role: 'agent' });
    const { channel } = await createChannel(
      db,
      config,
      tenantId,
      { userId: operator.userId, apiKeyId: null, context: CONTEXT },
      {
        name: 'Bench line',
        phoneNumberId: '106540352242921',
        displayPhoneNumber: '+1 555 078 3881',
        wabaId: '102290129340398',
        accessToken: 'EAAG-bench',
        appSecret: 'bench-app-secret-inbox',
      },
    );
    await seedInbox(ownerDb, tenantId, channel.id, operator.userId, CONTACTS);
    // On a server of one's own the database stays, for EXPLAIN ANALYZE afterwards.
    if (process.env.BENCH_DATABASE_URL) process.stdout.write(`database ${name}, tenant ${tenantId}\n`);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const { rows: sample } = await sql<{ id: string }>`
      select id from conversations order by hashtext(id::text) limit 500`.execute(ownerDb);
    const conversationIds = sample.map((row) => row.id);
    const headers = operator.headers;

    const results = [
      // Follows each filter's cursor for up to four pages, then moves to the next filter.
      await measure(
        'list',
        (i, previous) => {
          const filter = FILTERS[Math.floor(i / 4) % FILTERS.length];
          const cursor =
            i % 4 === 0 ? null : (previous as { nextCursor: string | null } | undefined)?.nextCursor;
          return `${address}/api/v1/conversations?filter=${filter}&limit=50${cursor ? `&cursor=${cursor}` : ''}`;
        },
        headers,
        (i) => `${FILTERS[Math.floor(i / 4) % FILTERS.length]} page ${(i % 4) + 1}`,
      ),
      await measure(
        'search',
        (i) =>
          `${address}/api/v1/conversations?limit=50&q=${encodeURIComponent(SEARCHES[i % SEARCHES.length] ?? '')}`,
        headers,
        (i) => `q=${SEARCHES[i % SEARCHES.length]}`,
      ),
      // The thread view: newest page of a conversation, then the page before it.
      await measure(
        'thread',
        (i, previous) => {
          const id = conversationIds[Math.floor(i / 2) % conversationIds.length];
          const cursor =
            i % 2 === 1 ? (previous as { nextCursor: string | null } | undefined)?.nextCursor : null;
          return `${address}/api/v1/conversations/${id}/messages?order=desc&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
        },
        headers,
      ),
    ];
    const over = results.filter((result) => result.p95 > TARGET_P95_MS);
    process.stdout.write(
      over.length === 0
        ? `all within target (p95 <= ${TARGET_P95_MS} ms)\n`
        : `over target: ${over.map((result) => result.name).join(', ')}\n`,
    );
  } finally {
    await close();
    await bench.close();
  }
}

await main();
