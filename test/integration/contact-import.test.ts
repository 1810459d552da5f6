import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createImportContactsTask,
  createUndoContactImportTask,
} from '../../src/contacts/import/import-tasks.js';
import { createEncryptedBlobStore } from '../../src/platform/blobs/encrypted-blob-store.js';
import { createFilesystemBlobStore } from '../../src/platform/blobs/filesystem-blob-store.js';
import type { Config } from '../../src/platform/config/config.js';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { createMetrics } from '../../src/platform/metrics/metrics.js';
import { suppress, suppressionKeys } from '../../src/privacy/suppression.js';
import { waitFor } from '../fixtures/wait-for.js';
import { buildTestApp } from '../support/app.js';
import { captureLogger } from '../support/log-capture.js';
import { newTenant, type SignedInMember, signedInMember } from '../support/tenant-members.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let app: FastifyInstance;
let config: Config;
let blobDir: string;
let workerPool: pg.Pool;
let worker: RunningWorker;
let owner: SignedInMember;
let agent: SignedInMember;
let ownerB: SignedInMember;
let tenantA: string;
const workerLogs = captureLogger();

beforeAll(async () => {
  blobDir = mkdtempSync(path.join(tmpdir(), 'leadline-import-'));
  database = await createTestDatabase();
  ({ app, config } = await buildTestApp({ database, env: { BLOB_DIR: blobDir } }));
  tenantA = await newTenant(database.db, 'A');
  const tenantB = await newTenant(database.db, 'B');
  owner = await signedInMember(database.db, config, { tenantId: tenantA, role: 'owner' });
  agent = await signedInMember(database.db, config, { tenantId: tenantA, role: 'agent' });
  ownerB = await signedInMember(database.db, config, { tenantId: tenantB, role: 'owner' });
  workerPool = createPool({
    connectionString: database.appUrl,
    max: 4,
    applicationName: 'import-test-worker',
  });
  const deps = {
    pool: workerPool,
    // Sealed at rest as the application stores uploads (ADR 0036).
    blobs: createEncryptedBlobStore(createFilesystemBlobStore(blobDir), database.db),
    suppressionKeys: suppressionKeys([config.secretKey, ...config.previousSecretKeys]),
  };
  const metrics = createMetrics();
  worker = await startWorker({
    pool: workerPool,
    db: database.db,
    logger: workerLogs.logger,
    tasks: [createImportContactsTask(deps), createUndoContactImportTask(deps)],
    concurrency: 2,
    pollIntervalMs: 100,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
    deadLettered: metrics.jobsDeadLettered,
    deadLettersWaiting: metrics.jobsDeadLetters,
  });
});

afterAll(async () => {
  await worker?.stop();
  await workerPool?.end();
  await app?.close();
  await database?.drop();
  rmSync(blobDir, { recursive: true, force: true });
});

const BOUNDARY = 'leadline-test-boundary';

function multipart(
  content: Buffer | string,
  fileName = 'contatti.csv',
): { payload: Buffer; headers: Record<string, string> } {
  const body = Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
  return { payload: body, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } };
}

async function upload(member: SignedInMember, content: Buffer | string, fileName?: string) {
  const { payload, headers } = multipart(content, fileName);
  return app.inject({
    method: 'POST',
    url: '/api/v1/contact-imports',
    headers: { ...member.headers, ...headers },
    payload,
  });
}

const api = (member: SignedInMember, method: 'GET' | 'POST', url: string, body?: object) =>
  app.inject({ method, url, headers: member.headers, ...(body ? { payload: body } : {}) });

async function finished(id: string, statuses = ['completed', 'failed', 'cancelled', 'undone']) {
  return waitFor(
    async () => {
      const response = await api(owner, 'GET', `/api/v1/contact-imports/${id}`);
      const body = response.json();
      return statuses.includes(body.status) ? body : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100, description: `import ${id} to finish` },
  );
}

async function contactByPhone(phone: string) {
  return withTenant(database.db, tenantA, (trx) =>
    trx.selectFrom('contacts').selectAll().where('phoneE164', '=', phone).executeTakeFirst(),
  );
}

const ITALIAN = [
  'Nome;Cognome;Cellulare;E-mail;Ragione sociale;Note',
  'Mario;Rossi;333 123 4567;mario@example.it;"Rossi; Figli s.r.l.";=HYPERLINK("http://x")',
  'Giulia;Bianchi;+39 347 765 4321;giulia@example.it;Bianchi SpA;"una nota',
  'su due righe"',
  'Luca;Verdi;12;luca@example.it;Verdi;',
  'Mario;Rossi Dup;3331234567;;;',
  'Anna;Neri;;non-una-mail;;',
  '',
].join('\r\n');

describe('CSV import', () => {
  it('previews an Italian, semicolon-separated file with a suggested mapping, imports it, and undoes it', async () => {
    const existing = await withTenant(database.db, tenantA, (trx) =>
      trx
        .insertInto('contacts')
        .values({ phoneE164: '+393477654321', firstName: null, lastName: 'Old', company: null, email: null })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    const uploaded = await upload(owner, `\uFEFF${ITALIAN}`);
    expect(uploaded.statusCode).toBe(201);
    const created = uploaded.json();
    expect(created).toMatchObject({ encoding: 'utf-8', delimiter: ';', status: 'uploaded' });
    expect(created.preview.headers).toEqual([
      'Nome',
      'Cognome',
      'Cellulare',
      'E-mail',
      'Ragione sociale',
      'Note',
    ]);
    expect(created.preview.rows[0][4]).toBe('Rossi; Figli s.r.l.');
    expect(created.preview.rows[1][5]).toBe('una nota\r\nsu due righe');
    expect(created.suggestedMapping).toEqual({
      0: 'firstName',
      1: 'lastName',
      2: 'phone',
      3: 'email',
      4: 'company',
    });

    const started = await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/start`, {
      mapping: created.suggestedMapping,
      policy: 'fill',
      defaultCountry: 'IT',
      saveMappingAs: 'Fiera Milano',
    });
    expect(started.statusCode).toBe(202);
    const done = await finished(created.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({ rowsRead: 5, created: 1, updated: 1, duplicates: 1, rejected: 2 });

    expect(await contactByPhone('+393331234567')).toMatchObject({
      firstName: 'Mario',
      lastName: 'Rossi',
      company: 'Rossi; Figli s.r.l.',
      email: 'mario@example.it',
    });
    // fill: empty fields completed, the known last name kept.
    expect(await contactByPhone('+393477654321')).toMatchObject({ firstName: 'Giulia', lastName: 'Old' });

    const rejects = await api(owner, 'GET', `/api/v1/contact-imports/${created.id}/rejects.csv`);
    expect(rejects.statusCode).toBe(200);
    expect(rejects.headers['content-type']).toContain('text/csv');
    const lines = rejects.body.trim().split('\r\n');
    expect(lines[0]).toBe('line,reason,Nome,Cognome,Cellulare,E-mail,Ragione sociale,Note');
    expect(lines[1]).toBe('6,invalid phone number,Luca,Verdi,12,luca@example.it,Verdi,');
    expect(lines[2]).toBe('8,invalid e-mail address,Anna,Neri,,non-una-mail,,');

    // Each contact's timeline names the import that created or updated it.
    for (const [phone, isNew] of [
      ['+393331234567', true],
      ['+393477654321', false],
    ] as const) {
      const contact = await contactByPhone(phone);
      const timeline = await api(owner, 'GET', `/api/v1/contacts/${contact?.id}/timeline`);
      expect(timeline.json().items).toContainEqual(
        expect.objectContaining({
          kind: 'imported',
          detail: { importId: created.id, fileName: expect.any(String), created: isNew },
        }),
      );
    }

    const mappings = await api(owner, 'GET', '/api/v1/contact-import-mappings');
    expect(mappings.json().items).toEqual([expect.objectContaining({ name: 'Fiera Milano' })]);

    const undo = await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/undo`);
    expect(undo.statusCode).toBe(202);
    expect((await finished(created.id, ['undone'])).status).toBe('undone');
    expect(await contactByPhone('+393331234567')).toBeUndefined();
    expect(await contactByPhone('+393477654321')).toMatchObject({
      id: existing.id,
      firstName: null,
      lastName: 'Old',
    });
    const again = await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/undo`);
    expect(again.statusCode).toBe(409);
  });

  it('reads Windows-1252 and UTF-16 files, and overwrites with the overwrite policy', async () => {
    const latin = Buffer.from('Nome,Telefone,Empresa\r\nJosé,+55 11 98765 4321,Açaí Ltda\r\n', 'latin1');
    const first = (await upload(owner, latin)).json();
    expect(first).toMatchObject({ encoding: 'windows-1252', delimiter: ',' });
    expect(first.preview.rows[0]).toEqual(['José', '+55 11 98765 4321', 'Açaí Ltda']);
    await api(owner, 'POST', `/api/v1/contact-imports/${first.id}/start`, {
      mapping: first.suggestedMapping,
      policy: 'skip',
    });
    expect((await finished(first.id)).progress.created).toBe(1);

    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('Nombre\tTeléfono\tEmpresa\r\nJosefa\t+5511987654321\tNova\r\n', 'utf16le'),
    ]);
    const second = (await upload(owner, utf16)).json();
    expect(second).toMatchObject({ encoding: 'utf-16le', delimiter: '\t' });
    await api(owner, 'POST', `/api/v1/contact-imports/${second.id}/start`, {
      mapping: second.suggestedMapping,
      policy: 'overwrite',
    });
    expect((await finished(second.id)).progress.updated).toBe(1);
    expect(await contactByPhone('+5511987654321')).toMatchObject({ firstName: 'Josefa', company: 'Nova' });
  });

  it('does not re-create people erased from the workspace: their rows are rejected without their cells', async () => {
    await withTenant(database.db, tenantA, async (trx) => {
      await suppress(trx, config.secretKey, { phone: '+393401112233' });
      await suppress(trx, config.secretKey, { email: 'gone@example.it' });
    });
    const content = [
      'Nome;Cellulare;E-mail',
      'Cancellata;340 111 2233;',
      'Permail;340 999 8877;GONE@Example.it',
      'Kept;340 555 6677;kept@example.it',
      '',
    ].join('\n');
    const created = (await upload(owner, content)).json();
    await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/start`, {
      mapping: { 0: 'firstName', 1: 'phone', 2: 'email' },
      policy: 'overwrite',
      defaultCountry: 'IT',
    });
    const done = await finished(created.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({ rowsRead: 3, created: 1, rejected: 2 });
    expect(await contactByPhone('+393401112233')).toBeUndefined();
    expect(await contactByPhone('+393409998877')).toBeUndefined();
    expect(await contactByPhone('+393405556677')).toMatchObject({ firstName: 'Kept' });

    const rejects = await api(owner, 'GET', `/api/v1/contact-imports/${created.id}/rejects.csv`);
    const lines = rejects.body.trim().split('\r\n');
    expect(lines.slice(1)).toEqual(["2,erased at the person's request", "3,erased at the person's request"]);
    expect(rejects.body).not.toMatch(/Cancellata|Permail|gone@|2233|8877/i);
  });

  it('exports contacts as CSV with formula cells neutralised', async () => {
    await withTenant(database.db, tenantA, (trx) =>
      trx
        .insertInto('contacts')
        .values({
          phoneE164: '+393290000001',
          firstName: '=HYPERLINK("http://evil")',
          lastName: '+SUM(A1)',
          company: '@cmd',
          email: null,
        })
        .execute(),
    );
    const response = await api(owner, 'GET', '/api/v1/contacts/export.csv?q=393290000001');
    expect(response.statusCode).toBe(200);
    const lines = response.body.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")",'+SUM(A1),'@cmd`);
    expect((await api(agent, 'GET', '/api/v1/contacts/export.csv')).statusCode).toBe(403);
  });

  it('keeps imports to their workspace and admins', async () => {
    const own = (await upload(owner, 'Phone\n+393331112222\n')).json();
    expect((await api(ownerB, 'GET', `/api/v1/contact-imports/${own.id}`)).statusCode).toBe(404);
    expect((await api(ownerB, 'POST', `/api/v1/contact-imports/${own.id}/undo`)).statusCode).toBe(404);
    expect((await upload(agent, 'Phone\n+393331112222\n')).statusCode).toBe(403);

    const first = (await api(owner, 'GET', '/api/v1/contact-imports?limit=1')).json();
    expect(first.items).toHaveLength(1);
    expect(first.items[0]).toMatchObject({ id: own.id, status: 'uploaded', fileName: 'contatti.csv' });
    const ids = [first.items[0].id];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = (await api(owner, 'GET', `/api/v1/contact-imports?limit=3&cursor=${cursor}`)).json();
      ids.push(...page.items.map((item: { id: string }) => item.id));
      cursor = page.nextCursor;
    }
    expect(new Set(ids).size).toBe(ids.length);
    const count = await withTenant(database.db, tenantA, (trx) =>
      trx.selectFrom('contactImports').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    );
    expect(ids).toHaveLength(Number(count.n));
    expect((await api(ownerB, 'GET', '/api/v1/contact-imports')).json().items).toEqual([]);
    expect((await api(owner, 'GET', '/api/v1/contact-imports?cursor=%00')).statusCode).toBe(400);
    expect((await api(owner, 'GET', '/api/v1/contact-imports?limit=1000')).statusCode).toBe(400);
    expect((await api(agent, 'GET', '/api/v1/contact-imports')).statusCode).toBe(403);
  });
});

describe('custom fields and consent columns', () => {
  it('imports typed custom fields (rejecting bad values), restores them on undo, and suggests them', async () => {
    for (const field of [
      { key: 'vat_number', label: 'Partita IVA', type: 'text' },
      { key: 'budget', label: 'Budget', type: 'number' },
      { key: 'visit', label: 'Visita', type: 'date' },
      { key: 'size', label: 'Size', type: 'select', options: ['Small', 'Large'] },
      { key: 'vip', label: 'VIP', type: 'boolean' },
    ]) {
      const response = await api(owner, 'POST', '/api/v1/custom-fields', field);
      expect(response.statusCode).toBe(201);
    }
    const existing = await withTenant(database.db, tenantA, (trx) =>
      trx
        .insertInto('contacts')
        .values({
          phoneE164: '+393471110001',
          firstName: 'Ada',
          lastName: null,
          company: null,
          email: null,
          customFields: JSON.stringify({ vat_number: 'IT-OLD', budget: 5 }),
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    const csv = [
      'Telefono;Partita IVA;Budget;Visita;Size;VIP',
      '+393471110001;IT-NEW;1.234,5;07/12/2026;large;sì',
      '+393471110002;IT-2;12;2026-01-31;Small;no',
      '+393471110003;IT-3;dodici;;;',
      '+393471110004;;;31/02/2026;;',
      '+393471110005;;;;Medium;',
      '+393471110006;;;;;forse',
      '',
    ].join('\n');
    const created = (await upload(owner, csv)).json();
    expect(created.suggestedMapping).toEqual({
      0: 'phone',
      1: 'custom:vat_number',
      2: 'custom:budget',
      3: 'custom:visit',
      4: 'custom:size',
      5: 'custom:vip',
    });
    expect(created.targets).toEqual(
      expect.arrayContaining([
        { key: 'custom:budget', label: 'Budget' },
        { key: 'consent:whatsapp', label: 'Consent: WhatsApp' },
      ]),
    );
    await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/start`, {
      mapping: created.suggestedMapping,
      policy: 'overwrite',
    });
    const done = await finished(created.id);
    expect(done.progress).toMatchObject({ created: 1, updated: 1, rejected: 4 });
    expect((await contactByPhone('+393471110001'))?.customFields).toEqual({
      vat_number: 'IT-NEW',
      budget: 1234.5,
      visit: '2026-12-07',
      size: 'Large',
      vip: true,
    });
    expect((await contactByPhone('+393471110002'))?.customFields).toEqual({
      vat_number: 'IT-2',
      budget: 12,
      visit: '2026-01-31',
      size: 'Small',
      vip: false,
    });
    const rejects = (await api(owner, 'GET', `/api/v1/contact-imports/${created.id}/rejects.csv`)).body
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',').slice(0, 2).join(','));
    expect(rejects).toEqual([
      '4,Budget: expected a number',
      '5,Visita: expected a date (YYYY-MM-DD or DD/MM/YYYY)',
      '6,Size: expected one of its options',
      '7,VIP: expected yes or no',
    ]);

    await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/undo`);
    await finished(created.id, ['undone']);
    expect(await contactByPhone('+393471110002')).toBeUndefined();
    expect(await contactByPhone('+393471110001')).toMatchObject({
      id: existing.id,
      customFields: { vat_number: 'IT-OLD', budget: 5 },
    });
  });

  it('fills only empty custom fields with the fill policy, and counts a contact changed only there as updated', async () => {
    await withTenant(database.db, tenantA, (trx) =>
      trx
        .insertInto('contacts')
        .values({
          phoneE164: '+393471120001',
          firstName: 'Bea',
          lastName: null,
          company: null,
          email: null,
          customFields: JSON.stringify({ vat_number: 'KEEP' }),
        })
        .execute(),
    );
    const created = (await upload(owner, 'Phone,Partita IVA,Budget\n+393471120001,NEW,7\n')).json();
    await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/start`, {
      mapping: created.suggestedMapping,
      policy: 'fill',
    });
    const done = await finished(created.id);
    expect(done.progress).toMatchObject({ updated: 1, unchanged: 0 });
    expect((await contactByPhone('+393471120001'))?.customFields).toEqual({ vat_number: 'KEEP', budget: 7 });

    const skipped = (await upload(owner, 'Phone,Budget\n+393471120001,99\n')).json();
    await api(owner, 'POST', `/api/v1/contact-imports/${skipped.id}/start`, {
      mapping: skipped.suggestedMapping,
      policy: 'skip',
    });
    expect((await finished(skipped.id)).progress).toMatchObject({ updated: 0, unchanged: 1 });
    expect((await contactByPhone('+393471120001'))?.customFields).toEqual({ vat_number: 'KEEP', budget: 7 });
  });

  it('records consent columns with the import as provenance, never over an opt-out', async () => {
    const optedOut = await withTenant(database.db, tenantA, async (trx) => {
      const contact = await trx
        .insertInto('contacts')
        .values({ phoneE164: '+393471130001', firstName: 'Out', lastName: null, company: null, email: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('consentEntries')
        .values({
          contactId: contact.id,
          channel: 'whatsapp',
          state: 'opted_out',
          source: 'customer',
          shownText: 'STOP',
          evidence: JSON.stringify({}),
          actorUserId: null,
        })
        .execute();
      return contact;
    });
    const csv = [
      'Telefono,Consenso WhatsApp,Newsletter',
      '+393471130001,Sì,sim',
      '+393471130002,1,0',
      '+393471130003,TRUE,',
      '+393471130004,magari,yes',
      '',
    ].join('\n');
    const created = (await upload(owner, csv)).json();
    expect(created.suggestedMapping).toEqual({
      0: 'phone',
      1: 'consent:whatsapp',
      2: 'consent:email_marketing',
    });
    await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/start`, {
      mapping: created.suggestedMapping,
      policy: 'overwrite',
    });
    const done = await finished(created.id);
    expect(done.progress).toMatchObject({ created: 2, rejected: 1 });

    const ledger = async (phone: string) => {
      const contact = await contactByPhone(phone);
      return withTenant(database.db, tenantA, (trx) =>
        trx
          .selectFrom('consentEntries')
          .select(['channel', 'state', 'source', 'evidence'])
          .where('contactId', '=', contact?.id ?? optedOut.id)
          .orderBy('recordedAt')
          .orderBy('channel')
          .execute(),
      );
    };
    // The customer's opt-out stands; the e-mail consent (a channel without one) is recorded.
    expect(await ledger('+393471130001')).toEqual([
      expect.objectContaining({ channel: 'whatsapp', state: 'opted_out', source: 'customer' }),
      {
        channel: 'email_marketing',
        state: 'opted_in',
        source: 'import',
        evidence: { importId: created.id, line: 2 },
      },
    ]);
    expect(await ledger('+393471130002')).toEqual([
      expect.objectContaining({ channel: 'email_marketing', state: 'opted_out', source: 'import' }),
      expect.objectContaining({ channel: 'whatsapp', state: 'opted_in', source: 'import' }),
    ]);
    expect(await ledger('+393471130003')).toEqual([
      expect.objectContaining({ channel: 'whatsapp', state: 'opted_in', source: 'import' }),
    ]);
    expect(await contactByPhone('+393471130004')).toBeUndefined();

    // Importing the same file again writes nothing new (a repeat of the current state is skipped).
    const again = (await upload(owner, csv)).json();
    await api(owner, 'POST', `/api/v1/contact-imports/${again.id}/start`, {
      mapping: again.suggestedMapping,
      policy: 'overwrite',
    });
    await finished(again.id);
    expect(await ledger('+393471130001')).toHaveLength(2);
    expect(await ledger('+393471130002')).toHaveLength(2);
  });
});

describe('bad input on upload', () => {
  it.each([
    ['a 0-byte file', Buffer.alloc(0), /empty/],
    ['a binary file', Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x10, 0x00, 0x00]), /binary/],
    ['an Excel workbook', Buffer.from('PK\u0003\u0004xl/workbook.xml'), /Excel/],
    ['a million columns', `${'a,'.repeat(1_000_000)}a\n`, /longer than|columns/],
    ['no header', '\n\n\n', /header/],
  ])('refuses %s with a 400', async (_name, content, message) => {
    const before = await withTenant(database.db, tenantA, (trx) =>
      trx.selectFrom('contactImports').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    );
    const response = await upload(owner, content);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(message);
    const after = await withTenant(database.db, tenantA, (trx) =>
      trx.selectFrom('contactImports').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
    );
    expect(after.n).toBe(before.n);
  });

  it('refuses a request that is not multipart, or without a file', async () => {
    const json = await api(owner, 'POST', '/api/v1/contact-imports', { file: 'x' });
    expect([400, 415]).toContain(json.statusCode);
    const empty = await app.inject({
      method: 'POST',
      url: '/api/v1/contact-imports',
      headers: { ...owner.headers, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: `--${BOUNDARY}--\r\n`,
    });
    expect(empty.statusCode).toBe(400);
  });

  it('fails an import whose quotes are unbalanced after the preview, keeping nothing', async () => {
    const rows = Array.from({ length: 20_500 }, (_, i) => `Nome${i},+39333${String(1_000_000 + i)}`);
    const content = `Nome,Telefono\n${rows.join('\n')}\nRotto,"+39333 unclosed\n`;
    const created = (await upload(owner, content)).json();
    await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/start`, {
      mapping: created.suggestedMapping,
      policy: 'skip',
    });
    const done = await finished(created.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/never closed/);
    expect(await contactByPhone('+393331000000')).toBeUndefined();
  });

  it('fails an import with 10 MB in one cell (beyond the preview) with the line, keeping nothing', async () => {
    const content = `Phone,Note\n+393331230001,ok\n+393331230002,"${'x'.repeat(10 * 1024 * 1024)}"\n`;
    const created = (await upload(owner, content)).json();
    await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/start`, {
      mapping: { 0: 'phone' },
      policy: 'skip',
    });
    const done = await finished(created.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/longer than .* \(line 3\)/);
    expect(await contactByPhone('+393331230001')).toBeUndefined();
  });

  it('skips a CSV bomb of empty lines and delimiters without importing anything', async () => {
    const content = `Phone;Nome\n${'\n'.repeat(200_000)}${';\n'.repeat(50_000)}`;
    const created = (await upload(owner, content)).json();
    await api(owner, 'POST', `/api/v1/contact-imports/${created.id}/start`, {
      mapping: { 0: 'phone', 1: 'firstName' },
      policy: 'skip',
    });
    const done = await finished(created.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({ rowsRead: 0, created: 0, rejected: 0 });
  });

  it('validates the start request', async () => {
    const created = (await upload(owner, 'Nome,Telefono\nA,+393331234000\n')).json();
    const url = `/api/v1/contact-imports/${created.id}/start`;
    expect((await api(owner, 'POST', url, { mapping: { 7: 'phone' }, policy: 'skip' })).statusCode).toBe(400);
    expect((await api(owner, 'POST', url, { mapping: { 0: 'nope' }, policy: 'skip' })).statusCode).toBe(400);
    expect((await api(owner, 'POST', url, { mapping: { 0: 'firstName' }, policy: 'skip' })).statusCode).toBe(
      400,
    );
    expect((await api(owner, 'POST', url, { mapping: { 1: 'phone' }, policy: 'merge' })).statusCode).toBe(
      400,
    );
    expect(
      (await api(owner, 'POST', url, { mapping: { 1: 'phone' }, policy: 'skip', defaultCountry: 'italy' }))
        .statusCode,
    ).toBe(400);
  });
});
