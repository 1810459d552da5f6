import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertDomainEvent } from '../../src/events/domain-events.repository.js';
import { hubspotSecretBox } from '../../src/integrations/hubspot/connection.service.js';
import { createHubspotTasks } from '../../src/integrations/hubspot/hubspot.tasks.js';
import { createHubspotRuntime, type HubspotRuntime } from '../../src/integrations/hubspot/hubspot-runtime.js';
import { signatureV3 } from '../../src/integrations/hubspot/webhook-signature.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import type { Config } from '../../src/platform/config/config.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import type { AnyTask } from '../../src/platform/jobs/task.js';
import { runErasure } from '../../src/privacy/erasure.service.js';
import { FAKE_HUBSPOT_TOKEN, type FakeHubspot, startFakeHubspot } from '../fakes/hubspot.js';
import { buildTestApp } from '../support/app.js';
import { taskContext } from '../support/inbound-pipeline.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** HubSpot sync (ADR 0033) against a fake HubSpot on loopback speaking its v3 API. */
let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let fake: FakeHubspot;
let runtime: HubspotRuntime;
let tasks: AnyTask[];
let tenantId: string;
let otherTenant: string;
let admin: SignedInMember;
let agent: SignedInMember;
let sequence = 0;
const blobDir = mkdtempSync(path.join(tmpdir(), 'leadline-hubspot-'));

beforeAll(async () => {
  fake = await startFakeHubspot({ maxPerInterval: 1000, intervalMs: 1000 });
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database, env: { HUBSPOT_API_URL: fake.url } }));
  runtime = createHubspotRuntime({ config });
  tasks = createHubspotTasks({ client: runtime.client, box: hubspotSecretBox(config) });
  tenantId = await newTenant(database.db, 'HubSpot');
  otherTenant = await newTenant(database.db, 'Other');
  admin = await signedInMember(database.db, config, { tenantId, role: 'admin' });
  agent = await signedInMember(database.db, config, { tenantId, role: 'agent' });
});

afterAll(async () => {
  await app?.close();
  await runtime?.close();
  await fake?.close();
  await database?.drop();
  rmSync(blobDir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.maxPerInterval = 1000;
});

function api(
  member: SignedInMember,
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return app.inject({
    method,
    url,
    headers: member.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

function task(id: string): AnyTask {
  const found = tasks.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no task ${id}`);
  return found;
}
const drain = (tenant = tenantId) =>
  task('hubspot.drain-outbox').handle({}, taskContext(database.db, tenant));

async function addContact(values: { email?: string | null; firstName?: string } = {}, tenant = tenantId) {
  sequence++;
  return withTenant(database.db, tenant, (trx) =>
    trx
      .insertInto('contacts')
      .values({
        phoneE164: `+3934712${String(10_000 + sequence).padStart(5, '0')}`,
        // Distinct names: the erasure's check searches every contact for the erased person's name.
        firstName: values.firstName ?? `Lead${sequence}q`,
        lastName: `Rossi${sequence}q`,
        email: values.email === undefined ? `lead${sequence}@example.com` : values.email,
        customFields: JSON.stringify({}),
        displayName: null,
        waId: null,
        company: `Firm${sequence}q`,
        profileCompletedAt: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
}

async function outbox(tenant = tenantId) {
  return withTenant(database.db, tenant, (trx) =>
    trx.selectFrom('hubspotOutbox').selectAll().orderBy('id').execute(),
  );
}

async function queuedJobs(identifier: string) {
  const { rows } = await sql<{ key: string | null; payload: unknown; queueName: string | null }>`
    select j.key, j.payload, q.queue_name from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
    where t.identifier = ${identifier}`.execute(database.ownerDb);
  return rows;
}

async function clearJobs() {
  await sql`delete from graphile_worker._private_jobs`.execute(database.ownerDb);
}

describe('connecting HubSpot', () => {
  it('refuses bad input and tokens HubSpot refuses, with 4xx and nothing saved', async () => {
    const cases: [unknown, number][] = [
      [{}, 400],
      [{ token: 'not-a-token' }, 400],
      [{ token: FAKE_HUBSPOT_TOKEN, extra: true }, 400],
      [{ token: FAKE_HUBSPOT_TOKEN, mapping: { firstName: 'leadline_id' } }, 400],
      [{ token: FAKE_HUBSPOT_TOKEN, mapping: { nonsense: 'firstname' } }, 400],
      [{ token: FAKE_HUBSPOT_TOKEN, mapping: { firstName: 'firstname', lastName: 'firstname' } }, 400],
      [{ token: FAKE_HUBSPOT_TOKEN, mapping: { firstName: 'Not A Property' } }, 400],
      [{ token: 'x'.repeat(100_000) }, 400],
      [{ token: 'pat-eu1-99999999-2222-3333-4444-555555555555' }, 400],
      [{ token: FAKE_HUBSPOT_TOKEN, mapping: { firstName: 'no_such_property' } }, 400],
    ];
    for (const [body, status] of cases) {
      const response = await api(admin, 'PUT', '/api/v1/hubspot/connection', body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(response.json().error.code).toBe('validation_failed');
    }
    const refused = await api(admin, 'PUT', '/api/v1/hubspot/connection', {
      token: 'pat-eu1-99999999-2222-3333-4444-555555555555',
    });
    expect(refused.json().error.message).toBe('HubSpot refused this token');
    const notJson = await app.inject({
      method: 'PUT',
      url: '/api/v1/hubspot/connection',
      headers: { ...admin.headers, 'content-type': 'text/plain' },
      payload: 'token',
    });
    expect(notJson.statusCode).toBe(415);
    expect(
      (await api(agent, 'PUT', '/api/v1/hubspot/connection', { token: FAKE_HUBSPOT_TOKEN })).statusCode,
    ).toBe(403);
    expect((await api(admin, 'GET', '/api/v1/hubspot/connection')).statusCode).toBe(404);
  });

  it('checks the token with HubSpot, creates leadline_id, keeps the token sealed and never returns it', async () => {
    const existing = await addContact({ email: 'before@example.com' });
    // The workspace's default stages are made on first use.
    expect((await api(admin, 'GET', '/api/v1/pipeline/stages')).statusCode).toBe(200);
    const response = await api(admin, 'PUT', '/api/v1/hubspot/connection', {
      token: FAKE_HUBSPOT_TOKEN,
      mapping: { firstName: 'firstname', lastName: 'lastname', email: 'email', stage: 'hs_lead_status' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ portalId: String(fake.portalId), webhooks: false });
    expect(response.body).not.toContain(FAKE_HUBSPOT_TOKEN);
    expect(fake.callsTo('/account-info/v3/details').length).toBeGreaterThan(0);
    expect(fake.properties.contacts.get('leadline_id')).toMatchObject({ hasUniqueValue: true });
    expect(fake.properties.deals.get('leadline_quote_id')).toMatchObject({ hasUniqueValue: true });
    const stored = await database.ownerDb
      .selectFrom('hubspotConnections')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(stored.tokenSealed).not.toContain(FAKE_HUBSPOT_TOKEN);
    expect(hubspotSecretBox(config).open(stored.tokenSealed)).toBe(FAKE_HUBSPOT_TOKEN);
    const read = await api(admin, 'GET', '/api/v1/hubspot/connection');
    expect(read.body).not.toContain(FAKE_HUBSPOT_TOKEN);
    // The first connection queues every existing contact.
    expect((await outbox()).map((row) => row.refId)).toContain(existing.id);
    await drain();
    expect(fake.contactBy('leadline_id', existing.id)?.properties).toMatchObject({
      email: 'before@example.com',
      hs_lead_status: 'New',
    });
    // Another workspace is not connected: its contacts go nowhere.
    await addContact({}, otherTenant);
    expect(await outbox(otherTenant)).toEqual([]);
  });
});

describe('the outbox', () => {
  it('is written in the transaction of the change, and only if it commits', async () => {
    await clearJobs();
    await expect(
      withTenant(database.db, tenantId, async (trx) => {
        await trx
          .insertInto('contacts')
          .values({
            phoneE164: '+393470000001',
            customFields: JSON.stringify({}),
            displayName: null,
            waId: null,
            firstName: null,
            lastName: null,
            company: null,
            email: null,
            profileCompletedAt: null,
          })
          .execute();
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await outbox()).toEqual([]);
    expect(await queuedJobs('hubspot.drain-outbox')).toEqual([]);

    const contact = await addContact();
    expect((await outbox()).map((row) => row.refId)).toEqual([contact.id]);
    const jobs = await queuedJobs('hubspot.drain-outbox');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ key: `hubspot-drain:${tenantId}`, queueName: `hubspot:${tenantId}` });
    await drain();
  });

  it('coalesces successive changes of a contact (service edits, stage moves, consent) into one write of the latest state', async () => {
    const contact = await addContact({ firstName: 'Giulia' });
    await drain();
    const writesBefore = fake.contactBy('leadline_id', contact.id)?.writes ?? 0;
    const stages = await api(admin, 'GET', '/api/v1/pipeline/stages');
    const won = (stages.json().items as { id: string; name: string }[]).find((stage) => stage.name === 'Won');
    expect(won).toBeDefined();
    expect(
      (await api(admin, 'PATCH', `/api/v1/contacts/${contact.id}`, { stageId: won?.id })).statusCode,
    ).toBe(200);
    const consent = await app.inject({
      method: 'POST',
      url: `/api/v1/contacts/${contact.id}/consent`,
      headers: admin.headers,
      payload: { channel: 'email_marketing', state: 'opted_out', shownText: null, evidence: {} },
    });
    expect(consent.statusCode).toBeLessThan(300);
    await withTenant(database.db, tenantId, (trx) =>
      trx.updateTable('contacts').set({ firstName: 'Giulia Maria' }).where('id', '=', contact.id).execute(),
    );
    const pending = await outbox();
    expect(pending).toHaveLength(1);
    expect(pending[0]?.version).toBeGreaterThanOrEqual(3);
    await drain();
    const synced = fake.contactBy('leadline_id', contact.id);
    expect(synced?.properties).toMatchObject({ firstname: 'Giulia Maria', hs_lead_status: 'Won' });
    expect(synced?.writes).toBe(writesBefore + 1);
    expect(await outbox()).toEqual([]);
  });

  it('batches up to 100 contacts per request, by leadline_id, with no duplicates', async () => {
    const before = fake.callsTo('/crm/v3/objects/contacts/batch/upsert').length;
    const ids: string[] = [];
    for (let i = 0; i < 230; i++) ids.push((await addContact()).id);
    await drain();
    const calls = fake.callsTo('/crm/v3/objects/contacts/batch/upsert').slice(before);
    expect(calls.map((call) => (call.body as { inputs: unknown[] }).inputs.length)).toEqual([100, 100, 30]);
    for (const call of calls) {
      expect(
        (call.body as { inputs: { idProperty: string }[] }).inputs.every(
          (i) => i.idProperty === 'leadline_id',
        ),
      ).toBe(true);
    }
    for (const id of ids) expect(fake.contactBy('leadline_id', id)).toBeDefined();
    expect(fake.duplicateContacts()).toBe(0);
    const status = await api(admin, 'GET', '/api/v1/hubspot/sync');
    expect(status.json()).toMatchObject({ backlog: 0, errors: [] });
    expect(status.json().syncedTotal).toBeGreaterThanOrEqual(230);
    expect(status.json().lastSyncAt).not.toBeNull();
    // The contact's timeline shows the sync with HubSpot's record id.
    const timeline = await api(admin, 'GET', `/api/v1/contacts/${ids[0]}/timeline`);
    expect(timeline.statusCode, timeline.body).toBe(200);
    expect(timeline.json().items).toContainEqual(
      expect.objectContaining({
        kind: 'crm_synced',
        detail: { crm: 'HubSpot', recordId: fake.contactBy('leadline_id', ids[0] as string)?.id },
      }),
    );
  });

  it('falls back to the e-mail address for a contact HubSpot already has, stamping leadline_id on it', async () => {
    // Someone entered this person in HubSpot by hand.
    await fetch(`${fake.url}/crm/v3/objects/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_HUBSPOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ idProperty: 'email', id: 'known@example.com', properties: { firstname: 'Known' } }],
      }),
    });
    const existing = fake.contactBy('email', 'known@example.com');
    const contact = await addContact({ email: 'known@example.com', firstName: 'Known' });
    await drain();
    expect(fake.contactBy('leadline_id', contact.id)?.id).toBe(existing?.id);
    expect(await outbox()).toEqual([]);
  });

  it('honours 429 Retry-After under a tight published limit, losing nothing', async () => {
    fake.maxPerInterval = 2;
    const before429 = fake.tooManyRequests;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await addContact()).id);
    // Another app on the same account uses up the window.
    for (let i = 0; i < 3; i++) {
      await fetch(`${fake.url}/account-info/v3/details`, {
        headers: { authorization: `Bearer ${FAKE_HUBSPOT_TOKEN}` },
      });
    }
    await drain();
    expect(fake.tooManyRequests).toBeGreaterThan(before429);
    for (const id of ids) expect(fake.contactBy('leadline_id', id)).toBeDefined();
    expect(await outbox()).toEqual([]);
  }, 30_000);

  it('keeps records through a HubSpot outage (the job fails and is retried), then writes them once', async () => {
    const contact = await addContact();
    fake.failNext(1, 503);
    await expect(drain()).rejects.toThrow(/HubSpot answered 503/);
    expect((await outbox()).map((row) => row.refId)).toEqual([contact.id]);
    await drain();
    expect(fake.contactBy('leadline_id', contact.id)?.writes).toBe(1);
    expect(await outbox()).toEqual([]);
  });

  it('sets a refused record aside for a job of its own, which fails until it is dead-lettered; the sync page lists it', async () => {
    await clearJobs();
    const bad = await addContact({ email: 'not-an-address@nowhere' });
    const good = await addContact();
    await drain();
    expect(fake.contactBy('leadline_id', good.id)).toBeDefined();
    expect(fake.contactBy('leadline_id', bad.id)).toBeUndefined();
    const pending = await outbox();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ refId: bad.id, lastError: 'HubSpot refused it (VALIDATION_ERROR)' });
    const jobs = await queuedJobs('hubspot.sync-record');
    expect(jobs.map((job) => (job.payload as { payload: unknown }).payload)).toEqual([
      { kind: 'contact', refId: bad.id },
    ]);
    await expect(
      task('hubspot.sync-record').handle(
        { kind: 'contact', refId: bad.id },
        taskContext(database.db, tenantId),
      ),
    ).rejects.toThrow(`HubSpot refused the contact ${bad.id}`);
    // The message names the record by id only: HubSpot's message quotes the address.
    const status = await api(admin, 'GET', '/api/v1/hubspot/sync');
    expect(status.json().errors).toEqual([
      expect.objectContaining({
        kind: 'contact',
        refId: bad.id,
        error: 'HubSpot refused it (VALIDATION_ERROR)',
      }),
    ]);
    expect(status.body).not.toContain('not-an-address');
    // Corrected in Leadline: the record's job writes it and the error clears.
    await withTenant(database.db, tenantId, (trx) =>
      trx.updateTable('contacts').set({ email: 'fixed@example.com' }).where('id', '=', bad.id).execute(),
    );
    await task('hubspot.sync-record').handle(
      { kind: 'contact', refId: bad.id },
      taskContext(database.db, tenantId),
    );
    expect(fake.contactBy('leadline_id', bad.id)?.properties.email).toBe('fixed@example.com');
    expect(await outbox()).toEqual([]);
  });

  it('creates a deal for an accepted quote, once, associated with its contact', async () => {
    const contact = await addContact();
    const quoteId = crypto.randomUUID();
    await withTenant(database.db, tenantId, (trx) =>
      insertDomainEvent(trx, {
        type: 'quote.accepted',
        subjectId: quoteId,
        payload: {
          quoteId,
          number: 'Q-2026-0042',
          version: 1,
          contactId: contact.id,
          totalMinor: '125000',
          currency: 'EUR',
        },
      }),
    );
    expect((await outbox()).map((row) => [row.kind, row.refId])).toEqual([
      ['contact', contact.id],
      ['deal', quoteId],
    ]);
    await drain();
    const deal = fake.dealBy('leadline_quote_id', quoteId);
    expect(deal?.properties).toMatchObject({
      dealname: 'Quote Q-2026-0042',
      amount: '1250.00',
      dealstage: 'closedwon',
    });
    const hubspotContact = fake.contactBy('leadline_id', contact.id);
    expect(fake.associations.has(`${deal?.id}:${hubspotContact?.id}`)).toBe(true);
    // The same acceptance seen again (a replay) updates the same deal.
    await withTenant(database.db, tenantId, (trx) =>
      sql`select hubspot_outbox_touch(${tenantId}::uuid, 'deal', array[${quoteId}::uuid])`.execute(trx),
    );
    await drain();
    expect([...fake.deals.values()].filter((d) => d.properties.leadline_quote_id === quoteId)).toHaveLength(
      1,
    );
  });
});

describe('erasure', () => {
  it('sends HubSpot a GDPR delete for an erased contact, retried as a job and recorded in the audit', async () => {
    const contact = await addContact({ email: 'erase.me@example.com' });
    await drain();
    expect(fake.contactBy('leadline_id', contact.id)).toBeDefined();
    const requested = await app.inject({
      method: 'POST',
      url: '/api/v1/privacy/erasures',
      headers: admin.headers,
      payload: { contactId: contact.id },
    });
    expect(requested.statusCode).toBe(202);
    const erasureId = requested.json().id as string;
    const outcome = await runErasure(
      (work) => withTenant(database.db, tenantId, work),
      { blobs: createFilesystemBlobStore(blobDir), secretKey: config.secretKey },
      erasureId,
    );
    expect(outcome.remaining).toEqual([]);
    expect(outcome.erasure).toMatchObject({ status: 'done', verifiedClean: true });
    expect(outcome.erasure.progress).toMatchObject({ hubspotDeletionRequested: 1 });
    const jobs = await queuedJobs('hubspot.gdpr-delete');
    expect(jobs.map((job) => (job.payload as { payload: unknown }).payload)).toContainEqual({
      contactId: contact.id,
      erasureId,
    });
    expect(JSON.stringify(jobs)).not.toContain('erase.me');

    fake.failNext(1, 502);
    const gdpr = task('hubspot.gdpr-delete');
    await expect(
      gdpr.handle({ contactId: contact.id, erasureId }, taskContext(database.db, tenantId)),
    ).rejects.toThrow();
    await gdpr.handle({ contactId: contact.id, erasureId }, taskContext(database.db, tenantId));
    expect(fake.gdprDeleted).toContainEqual({ idProperty: 'leadline_id', objectId: contact.id });
    expect(fake.contactBy('leadline_id', contact.id)).toBeUndefined();
    const audit = await withTenant(database.db, tenantId, (trx) =>
      trx.selectFrom('auditLog').select(['action', 'detail']).where('action', 'like', 'privacy.%').execute(),
    );
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['privacy.erasure_completed', 'privacy.crm_deletion_confirmed']),
    );
    expect(audit.find((entry) => entry.action === 'privacy.erasure_completed')?.detail).toMatchObject({
      removed: { hubspotDeletionRequested: 1 },
    });
  });
});

describe('inbound webhooks', () => {
  const SECRET = 'hubspot-app-client-secret-0123';
  const post = (tenant: string, body: string | Buffer, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: `/webhooks/hubspot/${tenant}`, payload: body, headers });
  const signed = (tenant: string, body: string, timestamp = String(Date.now())) => ({
    'content-type': 'application/json',
    'x-hubspot-request-timestamp': timestamp,
    'x-hubspot-signature-v3': signatureV3(
      SECRET,
      'POST',
      `${config.http.publicUrl}/webhooks/hubspot/${tenant}`,
      Buffer.from(body),
      timestamp,
    ),
  });

  it('stores signed deliveries before answering and applies only the fields HubSpot owns', async () => {
    const connected = await api(admin, 'PUT', '/api/v1/hubspot/connection', {
      token: FAKE_HUBSPOT_TOKEN,
      mapping: { firstName: 'firstname', lastName: 'lastname', email: 'email' },
      ownership: { firstname: 'hubspot', lastname: 'leadline' },
      webhookSecret: SECRET,
    });
    expect(connected.statusCode).toBe(200);
    expect(connected.json().webhooks).toBe(true);
    expect(connected.body).not.toContain(SECRET);
    const contact = await addContact({ firstName: 'Paolo' });
    await drain();
    const objectId = Number(fake.contactBy('leadline_id', contact.id)?.id);
    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionType: 'contact.propertyChange',
        objectId,
        propertyName: 'firstname',
        propertyValue: 'Paola',
      },
      {
        eventId: 2,
        subscriptionType: 'contact.propertyChange',
        objectId,
        propertyName: 'lastname',
        propertyValue: 'Verdi',
      },
    ]);
    const response = await post(tenantId, body, signed(tenantId, body));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: 2 });
    const row = await database.ownerDb
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', contact.id)
      .executeTakeFirstOrThrow();
    expect(row.firstName).toBe('Paola');
    expect(row.lastName).not.toBe('Verdi');
    const stored = await withTenant(database.db, tenantId, (trx) =>
      trx.selectFrom('hubspotWebhookEvents').selectAll().execute(),
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]?.processedAt).not.toBeNull();
  });

  it('refuses bad signatures, stale or missing timestamps, bad bodies and unknown workspaces with 4xx', async () => {
    const body = JSON.stringify([{ subscriptionType: 'contact.creation', objectId: 1 }]);
    const good = signed(tenantId, body);
    const cases: [string, string | Buffer, Record<string, string>, number][] = [
      ['wrong signature', body, { ...good, 'x-hubspot-signature-v3': 'AAAA' }, 401],
      [
        'no signature',
        body,
        { 'content-type': 'application/json', 'x-hubspot-request-timestamp': String(Date.now()) },
        401,
      ],
      ['stale', body, signed(tenantId, body, String(Date.now() - 6 * 60 * 1000)), 401],
      ['tampered body', body.replace('1', '2'), good, 401],
      ['not JSON', 'not json', signed(tenantId, 'not json'), 400],
      ['not an array', '{"objectId":1}', signed(tenantId, '{"objectId":1}'), 400],
      ['empty array', '[]', signed(tenantId, '[]'), 400],
      ['unknown workspace', body, signed(otherTenant, body), 404],
      ['not a uuid', body, good, 400],
      ['text/plain', body, { ...good, 'content-type': 'text/plain' }, 415],
    ];
    for (const [name, payload, headers, status] of cases) {
      const target = name === 'not a uuid' ? 'nope' : name === 'unknown workspace' ? otherTenant : tenantId;
      const response = await post(target, payload, headers);
      expect(response.statusCode, name).toBe(status);
      expect(response.json().error.code, name).toBeDefined();
    }
    const tooBig = `[${'{"subscriptionType":"x","objectId":1},'.repeat(40_000)}{"subscriptionType":"x","objectId":1}]`;
    expect((await post(tenantId, tooBig, signed(tenantId, tooBig))).statusCode).toBe(413);
  });
});

describe('mapping and disconnecting', () => {
  it('changes the mapping after HubSpot confirms the properties exist; disconnecting forgets the token', async () => {
    const bad = await api(admin, 'PUT', '/api/v1/hubspot/mapping', {
      mapping: { firstName: 'no_such_thing' },
    });
    expect(bad.statusCode).toBe(400);
    const good = await api(admin, 'PUT', '/api/v1/hubspot/mapping', {
      mapping: {
        firstName: 'firstname',
        email: 'email',
        company: 'company',
        'consent.email_marketing': 'hs_lead_status',
      },
      ownership: { firstname: 'hubspot' },
    });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ ownership: { firstname: 'hubspot' } });
    expect((await api(agent, 'GET', '/api/v1/hubspot/sync')).statusCode).toBe(403);
    expect((await api(admin, 'DELETE', '/api/v1/hubspot/connection')).statusCode).toBe(204);
    expect((await api(admin, 'DELETE', '/api/v1/hubspot/connection')).statusCode).toBe(404);
    expect((await api(admin, 'GET', '/api/v1/hubspot/sync')).statusCode).toBe(404);
    await addContact();
    expect(await outbox()).toEqual([]);
  });
});
