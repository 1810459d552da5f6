import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomField } from '../../src/contacts/custom-fields/custom-fields.js';
import { createEnrichCompanyTask } from '../../src/contacts/enrichment/enrich-company.task.js';
import { createImportContactsTask } from '../../src/contacts/import/import-tasks.js';
import { createImportPhantombusterTask } from '../../src/lead-sources/import-phantombuster.task.js';
import { signLead } from '../../src/lead-sources/lead-signature.js';
import { leadSourceTaskParts } from '../../src/lead-sources/lead-source-tasks.js';
import { processLeadTaskDefinition } from '../../src/lead-sources/process-lead.task.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import {
  createOutboundClient,
  type OutboundClient,
} from '../../src/platform/http/outbound/outbound-client.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { createMetrics } from '../../src/platform/metrics/metrics.js';
import { suppressionKeys } from '../../src/privacy/suppression.js';
import { FakeHunter } from '../fakes/hunter.js';
import { FakePhantombuster } from '../fakes/phantombuster.js';
import { waitFor } from '../fixtures/wait-for.js';
import { buildTestApp } from '../support/app.js';
import { captureLogger } from '../support/log-capture.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PB_KEY = 'pb-api-key-0123456789';
const HUNTER_KEY = 'hunter-key-abcdef0123456789';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let blobDir: string;
let workerPool: pg.Pool;
let worker: RunningWorker;
let http: OutboundClient;
let owner: SignedInMember;
let agent: SignedInMember;
let tenantA: string;
let tenantB: string;
const phantombuster = new FakePhantombuster(PB_KEY);
const hunter = new FakeHunter(HUNTER_KEY);
const workerLogs = captureLogger();

beforeAll(async () => {
  blobDir = mkdtempSync(path.join(tmpdir(), 'leadline-leads-'));
  const pbUrl = await phantombuster.start();
  const hunterUrl = await hunter.start();
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({
    database,
    env: {
      BLOB_DIR: blobDir,
      PHANTOMBUSTER_API_URL: pbUrl,
      PHANTOMBUSTER_RESULT_HOSTS: phantombuster.host,
      HUNTER_API_URL: hunterUrl,
      HUNTER_API_KEY: HUNTER_KEY,
      OUTBOUND_ALLOW_PRIVATE_HOSTS: `${phantombuster.host},${hunter.host}`,
    },
  }));
  tenantA = await newTenant(database.db, 'A');
  tenantB = await newTenant(database.db, 'B');
  owner = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  agent = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  workerPool = createPool({
    connectionString: database.appUrl,
    max: 4,
    applicationName: 'lead-sources-worker',
  });
  const blobs = createFilesystemBlobStore(blobDir);
  http = createOutboundClient({
    connectTimeoutMs: 5_000,
    timeoutMs: 10_000,
    allowPrivateHosts: config.outbound.allowPrivateHosts,
    retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10 },
  });
  const parts = leadSourceTaskParts({ db: database.db, config, blobs, http });
  const metrics = createMetrics();
  worker = await startWorker({
    pool: workerPool,
    db: database.db,
    logger: workerLogs.logger,
    tasks: [
      processLeadTaskDefinition,
      createImportPhantombusterTask(parts.phantombuster),
      createEnrichCompanyTask({ hunter: parts.hunter }),
      createImportContactsTask({
        pool: workerPool,
        blobs,
        suppressionKeys: suppressionKeys([config.secretKey, ...config.previousSecretKeys]),
      }),
    ],
    concurrency: 2,
    pollIntervalMs: 100,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
    deadLettered: metrics.jobsDeadLettered,
    deadLettersWaiting: metrics.jobsDeadLetters,
  });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await http?.close();
  await app?.close();
  await database?.drop();
  await phantombuster.close();
  await hunter.close();
  rmSync(blobDir, { recursive: true, force: true });
});

const api = (member: SignedInMember, method: 'GET' | 'POST' | 'PUT', url: string, body?: object) =>
  app.inject({ method, url, headers: member.headers, ...(body ? { payload: body } : {}) });

async function newWebhookSource(name: string): Promise<{ id: string; secret: string; endpoint: string }> {
  const response = await api(owner, 'POST', '/api/v1/lead-sources', { kind: 'webhook', name });
  expect(response.statusCode).toBe(201);
  return response.json();
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function deliver(
  sourceId: string,
  secret: string,
  body: string | Buffer,
  options: { timestamp?: number; headers?: Record<string, string | string[]>; signature?: string } = {},
) {
  const timestamp = String(options.timestamp ?? nowSeconds());
  return app.inject({
    method: 'POST',
    url: `/api/v1/public/lead-sources/${sourceId}/leads`,
    headers: {
      'content-type': 'application/json',
      'leadline-timestamp': timestamp,
      'leadline-signature': options.signature ?? signLead(secret, timestamp, body),
      ...options.headers,
    },
    payload: body,
  });
}

async function deliveryCount(): Promise<number> {
  const counts = await Promise.all(
    [tenantA, tenantB].map((tenant) =>
      withTenant(database.db, tenant, async (trx) => {
        const { rows } = await sql<{ n: string }>`select count(*) as n from lead_deliveries`.execute(trx);
        return Number(rows[0]?.n);
      }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function processed(deliveryId: string) {
  return waitFor(
    () =>
      withTenant(database.db, tenantA, (trx) =>
        trx
          .selectFrom('leadDeliveries')
          .selectAll()
          .where('id', '=', deliveryId)
          .where('status', '!=', 'received')
          .executeTakeFirst(),
      ),
    { timeoutMs: 60_000, intervalMs: 100, description: `lead delivery ${deliveryId} to be processed` },
  );
}

const contactById = (id: string) =>
  withTenant(database.db, tenantA, (trx) =>
    trx.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );

describe('lead sources: management', () => {
  it('shows a webhook source’s secret once, never in the list, and only to owners and admins', async () => {
    const created = await api(owner, 'POST', '/api/v1/lead-sources', {
      kind: 'webhook',
      name: 'Website form',
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const source = created.json();
    expect(source.secret).toMatch(/^lls_[\w-]{43}$/);
    expect(source.endpoint).toMatch(new RegExp(`/api/v1/public/lead-sources/${source.id}/leads$`));
    expect(source.endpoint).not.toContain(source.secret);
    const list = await api(owner, 'GET', '/api/v1/lead-sources');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(source.secret);
    expect(list.json().items.map((item: { name: string }) => item.name)).toContain('Website form');
    const stored = await withTenant(database.db, tenantA, (trx) =>
      trx
        .selectFrom('leadSources')
        .select('secretSealed')
        .where('id', '=', source.id)
        .executeTakeFirstOrThrow(),
    );
    expect(stored.secretSealed).not.toContain(source.secret);
    expect((await api(agent, 'GET', '/api/v1/lead-sources')).statusCode).toBe(403);
    expect(
      (await api(agent, 'POST', '/api/v1/lead-sources', { kind: 'webhook', name: 'x' })).statusCode,
    ).toBe(403);
    const duplicate = await api(owner, 'POST', '/api/v1/lead-sources', {
      kind: 'webhook',
      name: 'Website form',
    });
    expect(duplicate.statusCode).toBe(409);
    const bad = await api(owner, 'POST', '/api/v1/lead-sources', { kind: 'webhook', name: 'a\r\nb' });
    expect(bad.statusCode).toBe(400);
  });

  it('rotates a secret: the new one works at once, the previous one during its grace', async () => {
    const source = await newWebhookSource('Rotating');
    const rotated = await api(owner, 'POST', `/api/v1/lead-sources/${source.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(201);
    const { secret, previousSecretExpiresAt } = rotated.json();
    expect(secret).not.toBe(source.secret);
    expect(new Date(previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const lead = (phone: string) => JSON.stringify({ phone, name: 'Rota' });
    expect((await deliver(source.id, secret, lead('+393330000101'))).statusCode).toBe(202);
    expect((await deliver(source.id, source.secret, lead('+393330000102'))).statusCode).toBe(202);
    // The grace ends: the previous secret is refused.
    await withTenant(database.db, tenantA, (trx) =>
      trx
        .updateTable('leadSources')
        .set({ previousSecretExpiresAt: new Date(Date.now() - 1_000) })
        .where('id', '=', source.id)
        .execute(),
    );
    expect((await deliver(source.id, source.secret, lead('+393330000103'))).statusCode).toBe(401);
  });

  it('refuses the deliveries of a disabled source like an unknown one, until it is enabled again', async () => {
    const source = await newWebhookSource('Paused');
    expect((await api(owner, 'POST', `/api/v1/lead-sources/${source.id}/disable`)).json().enabled).toBe(
      false,
    );
    const body = JSON.stringify({ phone: '+393330000201' });
    const refused = await deliver(source.id, source.secret, body);
    expect(refused.statusCode).toBe(404);
    expect((await api(owner, 'POST', `/api/v1/lead-sources/${source.id}/enable`)).json().enabled).toBe(true);
    expect((await deliver(source.id, source.secret, body)).statusCode).toBe(202);
  });
});

describe('lead sources: a signed delivery', () => {
  it('becomes a contact with source api, consent with provenance and a timeline entry', async () => {
    await withTenant(database.db, tenantA, (trx) =>
      createCustomField(trx, { key: 'budget', label: 'Budget', type: 'number', options: [] }),
    );
    const source = await newWebhookSource('Landing page');
    const wrongType = await deliver(
      source.id,
      source.secret,
      JSON.stringify({ phone: '+393477654321', customFields: { budget: 'lots' } }),
    );
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.details[0].path).toBe('body.customFields.budget');
    const body = JSON.stringify({
      customFields: { budget: 12000 },
      externalId: 'form-42',
      name: 'Giulia',
      surname: 'Bianchi',
      company: 'Bianchi SpA',
      email: 'Giulia@Example.IT',
      phone: '347 765 4321',
      country: 'IT',
      consent: [
        {
          channel: 'whatsapp',
          shownText: 'Accetto di essere contattato su WhatsApp',
          evidence: { formUrl: 'https://example.it/offerta', ip: '203.0.113.7' },
          givenAt: new Date(Date.now() - 60_000).toISOString(),
        },
      ],
    });
    const response = await deliver(source.id, source.secret, body, {
      headers: { 'idempotency-key': 'form-42' },
    });
    expect(response.statusCode).toBe(202);
    const delivery = await processed(response.json().deliveryId);
    expect(delivery.status).toBe('processed');
    const contact = await contactById(delivery.contactId as string);
    expect(contact).toMatchObject({
      phoneE164: '+393477654321',
      firstName: 'Giulia',
      lastName: 'Bianchi',
      company: 'Bianchi SpA',
      email: 'giulia@example.it',
      source: 'api',
      customFields: { budget: 12000 },
    });
    const consent = await api(owner, 'GET', `/api/v1/contacts/${contact.id}/consent`);
    const current = consent.json().current.whatsapp;
    expect(current).toMatchObject({
      state: 'opted_in',
      source: 'api',
      shownText: 'Accetto di essere contattato su WhatsApp',
    });
    expect(current.evidence).toMatchObject({
      formUrl: 'https://example.it/offerta',
      leadSourceId: source.id,
      leadDeliveryId: delivery.id,
      externalId: 'form-42',
    });
    const timeline = await api(owner, 'GET', `/api/v1/contacts/${contact.id}/timeline`);
    const entry = timeline.json().items.find((item: { kind: string }) => item.kind === 'lead_received');
    expect(entry?.detail).toMatchObject({ sourceName: 'Landing page', externalId: 'form-42' });
  });

  it('deduplicates by phone, then by e-mail, filling only what the contact lacks', async () => {
    const source = await newWebhookSource('Dedupe');
    const first = await deliver(
      source.id,
      source.secret,
      JSON.stringify({ phone: '+393330000301', name: 'Marco' }),
    );
    const contactId = (await processed(first.json().deliveryId)).contactId as string;
    const second = await deliver(
      source.id,
      source.secret,
      JSON.stringify({
        phone: '+39 333 000 0301',
        name: 'Marcello',
        company: 'Rossi Srl',
        email: 'marco@rossi.example',
      }),
    );
    expect((await processed(second.json().deliveryId)).contactId).toBe(contactId);
    const byEmail = await deliver(
      source.id,
      source.secret,
      JSON.stringify({ email: 'MARCO@rossi.example', surname: 'Rossi' }),
    );
    expect((await processed(byEmail.json().deliveryId)).contactId).toBe(contactId);
    expect(await contactById(contactId)).toMatchObject({
      firstName: 'Marco',
      lastName: 'Rossi',
      company: 'Rossi Srl',
      email: 'marco@rossi.example',
    });
    const unknownEmail = await deliver(
      source.id,
      source.secret,
      JSON.stringify({ email: 'nobody@rossi.example' }),
    );
    const rejected = await processed(unknownEmail.json().deliveryId);
    expect(rejected).toMatchObject({ status: 'rejected', contactId: null });
    expect(rejected.error).toMatch(/no phone number/);
  });

  it('answers a repeated Idempotency-Key with the first delivery, and refuses it with another body', async () => {
    const source = await newWebhookSource('Idempotent');
    const body = JSON.stringify({ phone: '+393330000401', name: 'Ida' });
    const first = await deliver(source.id, source.secret, body, { headers: { 'idempotency-key': 'abc-1' } });
    expect(first.statusCode).toBe(202);
    const before = await deliveryCount();
    const again = await deliver(source.id, source.secret, body, { headers: { 'idempotency-key': 'abc-1' } });
    expect(again.statusCode).toBe(202);
    expect(again.json().deliveryId).toBe(first.json().deliveryId);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await deliver(source.id, source.secret, JSON.stringify({ phone: '+393330000402' }), {
      headers: { 'idempotency-key': 'abc-1' },
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('conflict');
    // Without a key, the same body is the same delivery.
    const keyless = await deliver(source.id, source.secret, JSON.stringify({ phone: '+393330000403' }));
    const keylessAgain = await deliver(source.id, source.secret, JSON.stringify({ phone: '+393330000403' }));
    expect(keylessAgain.json().deliveryId).toBe(keyless.json().deliveryId);
    expect(await deliveryCount()).toBe(before + 1);
  });
});

describe('lead sources: refused deliveries store nothing', () => {
  let source: { id: string; secret: string };
  beforeAll(async () => {
    source = await newWebhookSource('Hostile');
  });

  it('401s bad signatures and timestamps: missing, stale, future, float, wrong secret, upper-case, truncated', async () => {
    const body = JSON.stringify({ phone: '+393330000501' });
    const before = await deliveryCount();
    const now = nowSeconds();
    const good = signLead(source.secret, String(now), body);
    const cases: Parameters<typeof deliver>[3][] = [
      { signature: '' },
      { headers: { 'leadline-signature': [good, good] } },
      { timestamp: now - 600 },
      { timestamp: now + 600 },
      { headers: { 'leadline-timestamp': `${now}.5` } },
      { headers: { 'leadline-timestamp': `-${now}` } },
      { signature: signLead('lls_not-the-secret', String(now), body) },
      { signature: good.toUpperCase() },
      { signature: good.slice(0, -1) },
      { signature: `${good},${good}` },
    ];
    for (const options of cases) {
      const response = await deliver(source.id, source.secret, body, options);
      expect(response.statusCode, JSON.stringify(options)).toBe(401);
      expect(response.json().error.code).toBe('unauthenticated');
    }
    const noHeaders = await app.inject({
      method: 'POST',
      url: `/api/v1/public/lead-sources/${source.id}/leads`,
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(noHeaders.statusCode).toBe(401);
    expect(await deliveryCount()).toBe(before);
  });

  it('4xxs every bad body of the catalogue, signed or not, and stores nothing', async () => {
    const before = await deliveryCount();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const cases: [string, string | Buffer, number][] = [
      ['not JSON', '{"phone":', 400],
      ['__proto__', '{"phone":"+393330000601","__proto__":{"isAdmin":true}}', 400],
      ['constructor.prototype', '{"phone":"+393330000601","constructor":{"prototype":{"x":1}}}', 400],
      ['10k-deep', deep, 400],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), 400],
      ['NUL', '{"phone":"+393330000601","name":"a\\u0000b"}', 400],
      ['lone surrogate', '{"phone":"+393330000601","name":"\\ud800"}', 400],
      ['unknown key', '{"phone":"+393330000601","role":"admin"}', 400],
      ['array for a scalar', '{"phone":["+393330000601","+393330000602"]}', 400],
      ['operator object', '{"phone":{"$ne":null}}', 400],
      ['no phone or e-mail', '{"name":"Nobody"}', 400],
      ['letters in the phone', '{"phone":"+39 abc"}', 400],
      ['national phone without a country', '{"phone":"333 000 0601"}', 400],
      ['bidi override in an e-mail', '{"email":"a\\u202e@example.com"}', 400],
      ['CRLF in a name', '{"phone":"+393330000601","name":"x\\r\\nBcc: y@z"}', 400],
      ['huge string', JSON.stringify({ phone: '+393330000601', company: 'x'.repeat(50_000) }), 400],
      ['unknown custom field', '{"phone":"+393330000601","customFields":{"nope":1}}', 400],
      [
        'too many custom fields',
        JSON.stringify({
          phone: '+393330000601',
          customFields: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 1])),
        }),
        400,
      ],
      [
        'two consents for one channel',
        JSON.stringify({
          phone: '+393330000601',
          consent: [
            { channel: 'sms', shownText: 'ok' },
            { channel: 'sms', shownText: 'ok' },
          ],
        }),
        400,
      ],
      [
        'body over the limit',
        JSON.stringify({ phone: '+393330000601', company: 'x'.repeat(70 * 1024) }),
        413,
      ],
    ];
    for (const [label, body, status] of cases) {
      const response = await deliver(source.id, source.secret, body);
      expect(response.statusCode, label).toBe(status);
      expect(response.json().error.message, label).toBeTruthy();
    }
    const bigKey = await deliver(source.id, source.secret, '{"phone":"+393330000601"}', {
      headers: { 'idempotency-key': 'k'.repeat(201) },
    });
    expect(bigKey.statusCode).toBe(400);
    const form = await app.inject({
      method: 'POST',
      url: `/api/v1/public/lead-sources/${source.id}/leads`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'phone=%2B393330000601',
    });
    expect(form.statusCode).toBe(415);
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      expect((await deliver(id, source.secret, '{"phone":"+393330000601"}')).statusCode).toBe(404);
    }
    expect(await deliveryCount()).toBe(before);
  });
});

const PHANTOM_CSV = [
  'profileUrl,fullName,firstName,lastName,companyName,title,mail,phoneNumber',
  'https://www.linkedin.com/in/anna,Anna Neri,Anna,Neri,Neri Consulting,CEO,anna@neri.example,+39 345 111 2233',
  'https://www.linkedin.com/in/bruno,Bruno Blu,Bruno,Blu,Blu Srl,CTO,,+39 345 111 4455',
  'https://www.linkedin.com/in/nobody,No Body,No,Body,,,,',
  '',
].join('\n');

describe('lead sources: Phantombuster', () => {
  let source: { id: string; endpoint: string };
  beforeAll(async () => {
    const created = await api(owner, 'POST', '/api/v1/lead-sources', {
      kind: 'phantombuster',
      name: 'LinkedIn export',
      agentId: '1234567',
      apiKey: PB_KEY,
      defaultCountry: 'IT',
    });
    expect(created.statusCode).toBe(201);
    source = created.json();
    expect(created.json().secret).toBeNull();
    expect(source.endpoint).toMatch(/\/phantombuster$/);
  });

  const hook = (body: unknown, id = source.id) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/public/lead-sources/${id}/phantombuster`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  it("imports a finished run's result CSV through the CSV import, verified through Phantombuster's API", async () => {
    const run = phantombuster.addRun('1234567', PHANTOM_CSV);
    const response = await hook(phantombuster.webhookBody(run));
    expect(response.statusCode).toBe(202);
    // Phantombuster retries the same run: one delivery, one import.
    const retried = await hook(phantombuster.webhookBody(run));
    expect(retried.json().deliveryId).toBe(response.json().deliveryId);
    const delivery = await processed(response.json().deliveryId);
    expect(delivery).toMatchObject({ status: 'processed' });
    const done = await waitFor(
      async () => {
        const got = (await api(owner, 'GET', `/api/v1/contact-imports/${delivery.importId}`)).json() as {
          status: string;
          progress: unknown;
        };
        return got.status === 'completed' ? got : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'the Phantombuster import to complete' },
    );
    expect(done.progress).toMatchObject({ created: 2, rejected: 1 });
    const anna = await withTenant(database.db, tenantA, (trx) =>
      trx
        .selectFrom('contacts')
        .selectAll()
        .where('phoneE164', '=', '+393451112233')
        .executeTakeFirstOrThrow(),
    );
    expect(anna).toMatchObject({
      firstName: 'Anna',
      lastName: 'Neri',
      company: 'Neri Consulting',
    });
    const keys = phantombuster.requests.filter((r) => r.path.startsWith('/api/')).map((r) => r.key);
    expect(new Set(keys)).toEqual(new Set([PB_KEY]));
  });

  it('refuses a webhook for another agent (404, nothing stored) and runs whose result is not on its hosts', async () => {
    const before = await deliveryCount();
    const foreign = phantombuster.addRun('999', PHANTOM_CSV);
    expect((await hook(phantombuster.webhookBody(foreign))).statusCode).toBe(404);
    expect((await hook({ agentId: '1234567' })).statusCode).toBe(400);
    expect((await hook({ agentId: '1234567', containerId: 'x;drop' })).statusCode).toBe(400);
    const webhookSource = await newWebhookSource('Not Phantombuster');
    expect((await hook(phantombuster.webhookBody(foreign), webhookSource.id)).statusCode).toBe(404);
    expect(await deliveryCount()).toBe(before);

    const elsewhere = phantombuster.addRun('1234567', PHANTOM_CSV, {
      resultObject: JSON.stringify({ csvURL: 'https://evil.example/result.csv' }),
    });
    const response = await hook(phantombuster.webhookBody(elsewhere));
    expect(response.statusCode).toBe(202);
    const rejected = await processed(response.json().deliveryId);
    expect(rejected).toMatchObject({ status: 'rejected', importId: null });
    expect(rejected.error).toMatch(/Phantombuster's hosts/);

    // A body claiming the source's agent for another agent's run: the API says otherwise.
    const spoofed = await hook({ ...phantombuster.webhookBody(foreign), agentId: '1234567' });
    expect(spoofed.statusCode).toBe(202);
    expect((await processed(spoofed.json().deliveryId)).error).toMatch(/does not belong/);
  });
});

describe('company enrichment', () => {
  it('is off by default, then enriches a company domain once, within the monthly budget, never free mail', async () => {
    const initial = await api(owner, 'GET', '/api/v1/enrichment/settings');
    expect(initial.json()).toMatchObject({
      enabled: false,
      usedThisMonth: 0,
      provider: 'hunter',
      available: true,
    });
    expect(
      (await api(agent, 'PUT', '/api/v1/enrichment/settings', { enabled: true, monthlyBudget: 2 }))
        .statusCode,
    ).toBe(403);
    expect(
      (await api(owner, 'PUT', '/api/v1/enrichment/settings', { enabled: true, monthlyBudget: -1 }))
        .statusCode,
    ).toBe(400);
    const updated = await api(owner, 'PUT', '/api/v1/enrichment/settings', {
      enabled: true,
      monthlyBudget: 2,
    });
    expect(updated.json()).toMatchObject({ enabled: true, monthlyBudget: 2 });
    hunter.companies.set('acme-srl.example', {
      name: 'ACME S.r.l.',
      legalName: 'ACME Società a responsabilità limitata',
      category: { sector: 'Industrials', industry: 'Machinery' },
      geo: { country: 'Italy', city: 'Bologna' },
      metrics: { employees: '51-250' },
      foundedYear: 1987,
    });
    const source = await newWebhookSource('Enriched');
    const lead = async (body: object) => {
      const response = await deliver(source.id, source.secret, JSON.stringify(body));
      return (await processed(response.json().deliveryId)).contactId as string;
    };
    const calls = () => hunter.calls.length;

    const acme = await lead({ phone: '+393330000701', email: 'sara@acme-srl.example' });
    const enriched = await waitFor(
      async () => {
        const got = await api(owner, 'GET', `/api/v1/contacts/${acme}/enrichment`);
        return got.statusCode === 200 ? (got.json() as { fetchedAt: string }) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'the enrichment of acme' },
    );
    expect(enriched).toMatchObject({
      provider: 'hunter',
      domain: 'acme-srl.example',
      status: 'found',
      fields: { name: 'ACME S.r.l.', industry: 'Machinery', employees: '51-250', country: 'Italy' },
    });
    expect(Date.parse(enriched.fetchedAt)).toBeGreaterThan(Date.now() - 120_000);
    expect((await contactById(acme)).company).toBe('ACME S.r.l.');
    expect(hunter.calls.at(-1)).toMatchObject({ domain: 'acme-srl.example', key: HUNTER_KEY });
    expect(hunter.calls.at(-1)?.query).not.toContain(HUNTER_KEY);

    // Free mail: no call, nothing counted.
    const before = calls();
    const gmail = await lead({ phone: '+393330000702', email: 'luca@gmail.com' });
    const libero = await lead({ phone: '+393330000703', email: 'anna@libero.it', company: 'Kept Srl' });
    // A company the contact already has is never overwritten; an unknown domain is recorded as not found.
    const unknown = await lead({
      phone: '+393330000704',
      email: 'x@unknown-co.example',
      company: 'Kept Srl',
    });
    await waitFor(
      async () => (await api(owner, 'GET', `/api/v1/contacts/${unknown}/enrichment`)).statusCode === 200,
      { timeoutMs: 60_000, intervalMs: 100, description: 'the not-found enrichment' },
    );
    expect((await api(owner, 'GET', `/api/v1/contacts/${unknown}/enrichment`)).json().status).toBe(
      'not_found',
    );
    expect((await contactById(unknown)).company).toBe('Kept Srl');
    expect(calls()).toBe(before + 1);
    for (const id of [gmail, libero]) {
      expect((await api(owner, 'GET', `/api/v1/contacts/${id}/enrichment`)).statusCode).toBe(404);
    }

    // The budget (2) is spent: a third company domain is not looked up.
    const over = await lead({ phone: '+393330000705', email: 'y@third-co.example' });
    const settings = await waitFor(
      async () => {
        const got = (await api(owner, 'GET', '/api/v1/enrichment/settings')).json();
        const jobs = await sql<{
          n: string;
        }>`select count(*) as n from graphile_worker.jobs where task_identifier = 'contacts.enrich_company'`.execute(
          database.ownerDb,
        );
        return Number(jobs.rows[0]?.n) === 0 ? got : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'the enrichment jobs to finish' },
    );
    expect(settings.usedThisMonth).toBe(2);
    expect(calls()).toBe(before + 1);
    expect((await api(owner, 'GET', `/api/v1/contacts/${over}/enrichment`)).statusCode).toBe(404);
  });
});
