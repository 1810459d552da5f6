/**
 * `npm run bench:quotes`: two figures of issue 14.
 * 1. Rendering a 50-line quote to PDF in process (pdfkit, embedded DejaVu fonts, both templates rendered
 *    first, as sending does): BENCH_RENDERS (100) renders after 5 warm-ups. Target p95 <= 200 ms.
 * 2. Listing the approval queue of a workspace with BENCH_QUOTES (100k) quotes, every 10th awaiting
 *    approval, through real HTTP on 127.0.0.1 with a signed-in owner: first pages and pages followed by
 *    cursor, with the details (contact, conversation excerpt, version difference) and without.
 *    BENCH_REQUESTS (300) requests each. Target p95 <= 20 ms.
 * Bounded by BENCH_SECONDS (30) per measurement. PostgreSQL is embedded unless BENCH_DATABASE_URL names a
 * server. The machine is shared: figures are noisy.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { createDb } from '../src/platform/db/database.js';
import { renderQuotePdf } from '../src/quotes/pdf/quote-pdf.js';
import { buildQuoteDocument } from '../src/quotes/quote-document.js';
import type { Quote, QuoteLine, QuoteVersion } from '../src/quotes/quotes.table.js';
import { renderTemplate, toPlainText } from '../src/quotes/templates/quote-templates.js';
import { computeTotals } from '../src/quotes/totals.js';
import { newTenant, signedInMember } from '../test/support/tenant-members.js';
import { startBenchApp } from './bench-app.js';
import { startBenchDatabase } from './bench-database.js';
import { percentile } from './stats.js';

const RENDERS = Math.min(1_000, Number(process.env.BENCH_RENDERS ?? 100));
const QUOTES = Math.min(1_000_000, Number(process.env.BENCH_QUOTES ?? 100_000));
const REQUESTS = Math.min(5_000, Number(process.env.BENCH_REQUESTS ?? 300));
const SECONDS = Math.min(120, Number(process.env.BENCH_SECONDS ?? 30));
const PDF_TARGET_MS = 200;
const QUEUE_TARGET_MS = 20;

function report(name: string, timings: number[], target: number) {
  timings.sort((a, b) => a - b);
  const p50 = percentile(timings, 50);
  const p95 = percentile(timings, 95);
  process.stdout.write(
    `${name.padEnd(28)} ${String(timings.length).padStart(5)} runs   p50 ${String(p50).padStart(6)} ms   ` +
      `p95 ${String(p95).padStart(6)} ms   ${p95 <= target ? 'ok' : 'OVER TARGET'} (p95 <= ${target} ms)\n`,
  );
}

async function benchPdf() {
  const lines = Array.from(
    { length: 50 },
    (_, i) =>
      ({
        position: i,
        sku: `SKU-${i}`,
        name: `Piso cerâmico açaí nº ${i + 1} — acabamento è`,
        unit: 'm²',
        unitPriceMinor: String(1000 + i * 37),
        quantityMilli: String(1000 + i * 250),
        discountBp: i % 5 === 0 ? 1000 : 0,
        taxRateBp: i % 2 === 0 ? 1800 : 700,
        note: i % 7 === 0 ? 'Entrega em 10 dias úteis' : '',
      }) as unknown as QuoteLine,
  );
  const version = {
    version: 1,
    locale: 'pt-BR',
    currency: 'BRL',
    validUntil: '2026-12-31',
    notes: 'Condições de pagamento: 30 dias.',
    discountBp: 300,
  } as unknown as QuoteVersion;
  const quote = { number: '2026-0042' } as unknown as Quote;
  const once = async () => {
    const totals = computeTotals(
      lines.map((l) => ({
        unitPriceMinor: BigInt(l.unitPriceMinor),
        quantityMilli: BigInt(l.quantityMilli),
        discountBp: l.discountBp,
        taxRateBp: l.taxRateBp,
      })),
      version.discountBp,
    );
    const document = buildQuoteDocument({
      businessName: 'Cerâmica São João',
      contactName: 'Maria da Conceição',
      quote,
      version,
      lines,
      totals,
      link: 'https://example.com/q/x',
    });
    const intro = await renderTemplate('document', null, document.locale, document.data);
    await renderTemplate('message', null, document.locale, document.data);
    return renderQuotePdf({ document, introText: toPlainText(intro), logo: null, createdAt: new Date() });
  };
  for (let i = 0; i < 5; i++) await once();
  const timings: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let bytes = 0;
  for (let i = 0; i < RENDERS && performance.now() < deadline; i++) {
    const started = performance.now();
    bytes = (await once()).length;
    timings.push(performance.now() - started);
  }
  report(`pdf, 50 lines (${Math.round(bytes / 1024)} KiB)`, timings, PDF_TARGET_MS);
}

async function seed(ownerDb: ReturnType<typeof createDb>, tenantId: string) {
  const started = performance.now();
  await sql`
    insert into contacts (tenant_id, phone_e164, display_name)
    select ${tenantId}::uuid, '+39' || (3300000000 + g)::text, 'Cliente ' || g
    from generate_series(1, ${Math.ceil(QUOTES / 10)}) g`.execute(ownerDb);
  await sql`
    insert into quotes (tenant_id, number, contact_id, created_at)
    select ${tenantId}::uuid, '2026-' || lpad(g::text, 6, '0'), c.id, now() - (g || ' minutes')::interval
    from generate_series(1, ${QUOTES}) g
    join (select id, row_number() over (order by id) - 1 as n from contacts where tenant_id = ${tenantId}::uuid) c
      on c.n = g % ${Math.ceil(QUOTES / 10)}`.execute(ownerDb);
  await sql`
    insert into quote_versions (tenant_id, quote_id, version, status, status_changed_at, currency, locale,
                                valid_until, subtotal_minor, discount_minor, tax_minor, total_minor)
    select tenant_id, id, 1,
           case when n % 10 = 0 then 'pending_approval' when n % 10 = 1 then 'draft' else 'accepted' end,
           created_at, 'EUR', 'en', '2026-12-31', 10000 + n, 0, 2200, 12200 + n
    from (select q.*, row_number() over (order by created_at) as n from quotes q where tenant_id = ${tenantId}::uuid) q`.execute(
    ownerDb,
  );
  await sql`analyze`.execute(ownerDb);
  process.stdout.write(`seeded ${QUOTES} quotes in ${Math.round((performance.now() - started) / 1000)} s\n`);
}

async function benchQueue() {
  const bench = await startBenchDatabase('quotes', { poolSize: 10 });
  const { db } = bench;
  const { app, config, ownerDb, close } = await startBenchApp(bench, 'quotes');
  try {
    const tenantId = await newTenant(db, 'Bench quotes');
    const owner = await signedInMember(db, config, { tenantId, role: 'owner' });
    await seed(ownerDb, tenantId);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    for (const details of ['true', 'false']) {
      const timings: number[] = [];
      let cursor: string | null = null;
      const deadline = performance.now() + SECONDS * 1000;
      for (let i = 0; i < REQUESTS && performance.now() < deadline; i++) {
        // Follows the cursor for five pages, then starts again from the oldest.
        const url = `${address}/api/v1/quotes/approvals?limit=20&details=${details}${i % 5 && cursor ? `&cursor=${cursor}` : ''}`;
        const started = performance.now();
        const response = await fetch(url, { headers: owner.headers });
        const body = (await response.json()) as { items: unknown[]; nextCursor: string | null };
        timings.push(performance.now() - started);
        if (response.status !== 200 || body.items.length !== 20)
          throw new Error(`${url} answered ${response.status}`);
        cursor = body.nextCursor;
      }
      report(`approval queue, details=${details}`, timings, QUEUE_TARGET_MS);
    }
  } finally {
    await close();
    await bench.close();
  }
}

// BENCH_PART=pdf or queue runs one of the two.
if (process.env.BENCH_PART !== 'queue') await benchPdf();
if (process.env.BENCH_PART !== 'pdf') await benchQueue();
