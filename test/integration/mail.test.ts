import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMailTask, MAIL_TASK, queueMail } from '../../src/mail/mail.task.js';
import { formatOutbox, listOutboxMail } from '../../src/mail/mail-outbox.repository.js';
import { createMailer, outboxMailer, smtpMailer } from '../../src/mail/mailer.js';
import { createPool } from '../../src/platform/db/database.js';
import { withTenant } from '../../src/platform/db/tenant-context.js';
import { enqueue, enqueueSystem } from '../../src/platform/jobs/enqueue.js';
import { defineTask } from '../../src/platform/jobs/task.js';
import { type RunningWorker, startWorker } from '../../src/platform/jobs/worker.js';
import { createTenant } from '../../src/tenants/tenants.repository.js';
import { type FakeSmtpServer, startFakeSmtpServer } from '../fakes/smtp-server.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { runLeadline } from '../fixtures/leadline-process.js';
import { waitFor } from '../fixtures/wait-for.js';
import { TEST_SECRET_KEY, testConfig } from '../support/config.js';
import { captureLogger } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const FROM = 'Leadline <no-reply@leadline.test>';
const logs = captureLogger();

let database: TestDatabase;
let smtp: FakeSmtpServer;
const pools: pg.Pool[] = [];
const workers: RunningWorker[] = [];

/** A worker running the mail task (plus `extra` tasks) with the given mailer. */
async function mailWorker(
  mailer: ReturnType<typeof smtpMailer>,
  extra: Parameters<typeof startWorker>[0]['tasks'] = [],
) {
  const pool = createPool({ connectionString: database.appUrl, max: 4, applicationName: 'mail-test-worker' });
  pools.push(pool);
  const worker = await startWorker({
    pool,
    db: database.db,
    logger: logs.logger,
    tasks: [createMailTask({ mailer, secretKey: TEST_SECRET_KEY }), ...extra],
    concurrency: 2,
    pollIntervalMs: 100,
    staleAfterMs: 600_000,
    shutdownTimeoutMs: 5_000,
  });
  workers.push(worker);
  return worker;
}

const send = (to: string, subject = 'Hello', text = 'Body text') =>
  database.db
    .transaction()
    .execute((trx) =>
      queueMail(trx, TEST_SECRET_KEY, { to, subject, text }, { requestId: `req-${randomUUID()}` }),
    );

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startFakeSmtpServer();
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  for (const pool of pools) await pool.end();
  await smtp?.stop();
  await database?.drop();
});

describe('the SMTP transport', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await mailWorker(smtpMailer(smtp.url, FROM));
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('delivers a mail queued in a committed transaction to the SMTP server, once, with our headers', async () => {
    const { mailId } = await send('ana@example.com', 'Your reset link', 'Open https://app.test/x#token=abc');
    const mail = await waitFor(() => smtp.to('ana@example.com')[0], {
      timeoutMs: 10_000,
      description: 'the mail',
    });
    expect(mail.from).toBe('no-reply@leadline.test');
    expect(mail.raw).toMatch(/^Subject: Your reset link\r?$/m);
    expect(mail.raw).toMatch(/^From: Leadline <no-reply@leadline\.test>\r?$/m);
    expect(mail.raw).toContain(`Message-ID: <${mailId}@leadline>`);
    expect(mail.raw).toContain('#token=abc');
    await waitFor(async () => (await jobsOfTask(database.ownerDb, MAIL_TASK.id)).length === 0, {
      timeoutMs: 5_000,
      description: 'the mail job to complete',
    });
    expect(smtp.to('ana@example.com')).toHaveLength(1);
  });

  it('never sends the mail of a transaction that rolls back', async () => {
    class Rollback extends Error {}
    await expect(
      database.db.transaction().execute(async (trx) => {
        await queueMail(
          trx,
          TEST_SECRET_KEY,
          { to: 'rollback@example.com', subject: 'x', text: 'y' },
          { requestId: 'r' },
        );
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    await send('after-rollback@example.com');
    await waitFor(() => smtp.to('after-rollback@example.com')[0], {
      timeoutMs: 10_000,
      description: 'the later mail',
    });
    expect(smtp.to('rollback@example.com')).toEqual([]);
  });

  it('stores the job payload sealed: neither the address nor the link is readable in the queue', async () => {
    class Rollback extends Error {}
    let stored = '';
    // Read inside the enqueuing transaction (then rolled back), before any worker could run the job.
    await expect(
      database.db.transaction().execute(async (trx) => {
        await queueMail(
          trx,
          TEST_SECRET_KEY,
          { to: 'sealed@example.com', subject: 'S', text: '#token=SECRETTOKEN' },
          { requestId: 'req-sealed' },
        );
        const { rows } = await sql<{ payload: string }>`
          select payload::text as payload from graphile_worker._private_jobs
          where payload->>'requestId' = 'req-sealed'`.execute(trx);
        stored = rows.map((row) => row.payload).join('\n');
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(stored).toContain('"tenantId" : null');
    expect(stored).toContain('"sealed"');
    expect(stored).not.toContain('sealed@example.com');
    expect(stored).not.toContain('SECRETTOKEN');
  });

  it('a job retried after the SMTP server was down delivers the mail exactly once', async () => {
    await smtp.stop();
    try {
      await send('retry@example.com', 'Retry me');
      const failed = await waitFor(
        async () => {
          const [job] = (await jobsOfTask(database.ownerDb, MAIL_TASK.id)).filter(
            (j) => j.attempts >= 1 && j.lastError,
          );
          return job && job.lockedBy === null ? job : undefined;
        },
        { timeoutMs: 15_000, description: 'a failed delivery attempt' },
      );
      expect(failed.lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(smtp.to('retry@example.com')).toEqual([]);
    } finally {
      await smtp.start();
    }
    // graphile-worker would retry after exp(1) s; run it now instead of waiting.
    await sql`update graphile_worker._private_jobs set run_at = now() where attempts >= 1`.execute(
      database.ownerDb,
    );
    await waitFor(() => smtp.to('retry@example.com')[0], {
      timeoutMs: 15_000,
      description: 'the retried mail',
    });
    await waitFor(
      async () => (await jobsOfTask(database.ownerDb, MAIL_TASK.id)).every((j) => j.attempts === 0),
      {
        timeoutMs: 5_000,
        description: 'the retried job to complete',
      },
    );
    expect(smtp.to('retry@example.com')).toHaveLength(1);
  });
});

describe('header injection (ASVS 1.3.11)', () => {
  it.each([
    ['a subject with CR/LF', { to: 'a@example.com', subject: 'Hi\r\nBcc: victim@example.com', text: 'x' }],
    ['a subject with a bare LF', { to: 'a@example.com', subject: 'Hi\nBcc: victim@example.com', text: 'x' }],
    ['a recipient with CR/LF', { to: 'a@example.com\r\nBcc: victim@example.com', subject: 'Hi', text: 'x' }],
  ])('refuses %s and queues nothing', async (_label, message) => {
    const before = (await jobsOfTask(database.ownerDb, MAIL_TASK.id)).length;
    await expect(
      database.db
        .transaction()
        .execute((trx) => queueMail(trx, TEST_SECRET_KEY, message, { requestId: 'req-inject' })),
    ).rejects.toBeInstanceOf(z.ZodError);
    expect((await jobsOfTask(database.ownerDb, MAIL_TASK.id)).length).toBe(before);
  });

  it('refuses a MAIL_FROM with a line break at start-up', () => {
    const config = testConfig({ MAIL_FROM: 'Leadline <a@b.c>\nBcc: x@y.z' });
    expect(() => createMailer(config, database.db)).toThrow(/line breaks/);
  });
});

describe('the outbox transport', () => {
  it('is chosen when SMTP_URL is not set, and stores each message once even if its job runs twice', async () => {
    expect(createMailer(testConfig(), database.db).transport).toBe('outbox');
    expect(createMailer(testConfig({ SMTP_URL: smtp.url }), database.db).transport).toBe('smtp');
    const mailer = outboxMailer(database.db);
    const message = { id: randomUUID(), to: 'twice@example.com', subject: 'Once', text: 'only once' };
    await mailer.send(message);
    await mailer.send(message);
    const rows = (await listOutboxMail(database.db, 100)).filter(
      (mail) => mail.toAddress === 'twice@example.com',
    );
    expect(rows).toHaveLength(1);
  });

  it('receives mails through the worker, and `mail list` prints them newest first', async () => {
    const worker = await mailWorker(outboxMailer(database.db));
    try {
      const outboxRows = async () =>
        (await listOutboxMail(database.db, 100)).filter((m) => m.toAddress.startsWith('outbox-'));
      await send('outbox-1@example.com', 'First', 'first body');
      // The worker runs jobs concurrently: the second is queued only once the first is stored, so
      // "newest first" has one right answer.
      await waitFor(async () => ((await outboxRows()).length === 1 ? true : undefined), {
        timeoutMs: 10_000,
        description: 'the first outbox mail',
      });
      await send('outbox-2@example.com', 'Second', 'second body\nwith a link #token=xyz');
      const mails = await waitFor(
        async () => {
          const rows = await outboxRows();
          return rows.length === 2 ? rows : undefined;
        },
        { timeoutMs: 10_000, description: 'two outbox mails' },
      );
      const printed = formatOutbox(mails);
      expect(printed).toMatch(
        /to: +outbox-2@example\.com\nsubject: Second\ncreated: \d{4}-\d\d-\d\dT[^\n]+Z\n\nsecond body\nwith a link #token=xyz\n/,
      );
      expect(printed.indexOf('outbox-2@')).toBeLessThan(printed.indexOf('outbox-1@'));
      expect(formatOutbox([])).toBe('the outbox is empty\n');
    } finally {
      await worker.stop();
    }
  });
});

describe('leadline mail list', () => {
  it('prints the outbox, newest first, limited by --limit', async () => {
    const mailer = outboxMailer(database.db);
    for (const n of [1, 2, 3]) {
      await mailer.send({
        id: randomUUID(),
        to: `cli-${n}@example.com`,
        subject: `CLI ${n}`,
        text: `text ${n}`,
      });
      // Distinct creation times, so "newest first" is well defined.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const cwd = mkdtempSync(path.join(tmpdir(), 'leadline-mail-cli-'));
    try {
      const result = await runLeadline(
        ['mail', 'list', '--limit', '2'],
        {
          NODE_ENV: 'test',
          SECRET_KEY: TEST_SECRET_KEY,
          DATA_DIR: cwd,
          DATABASE_URL: database.ownerUrl,
          DATABASE_APP_URL: database.appUrl,
          LOG_LEVEL: 'warn',
        },
        cwd,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('to:      cli-3@example.com\nsubject: CLI 3\n');
      expect(result.stdout).toContain('text 2');
      expect(result.stdout).not.toContain('cli-1@example.com');
      expect(result.stdout.indexOf('cli-3@')).toBeLessThan(result.stdout.indexOf('cli-2@'));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('system tasks', () => {
  it('run without a tenant: the envelope carries tenantId null and withTenant throws', async () => {
    const seen: { tenantId: string | null; error: string }[] = [];
    const systemTask = defineTask({
      id: 'test.system',
      scope: 'system',
      schema: z.object({ n: z.number() }),
      async handle(_payload, ctx) {
        const error = await ctx.withTenant(async () => 'ran').then(String, (e: Error) => e.message);
        seen.push({ tenantId: ctx.tenantId, error });
      },
    });
    const tenantTask = defineTask({ id: 'test.tenant-only', schema: z.object({}), async handle() {} });
    const worker = await mailWorker(outboxMailer(database.db), [systemTask, tenantTask]);
    try {
      await enqueueSystem(database.db, systemTask, { n: 1 }, { requestId: 'req-system' });
      await waitFor(() => seen[0], { timeoutMs: 10_000, description: 'the system task' });
      expect(seen).toEqual([{ tenantId: null, error: 'system task test.system has no tenant context' }]);

      // Each kind of task can only be queued its own way.
      const tenantId = (await createTenant(database.db, { name: 'System test' })).id;
      await expect(enqueueSystem(database.db, tenantTask as never, {}, { requestId: 'r' })).rejects.toThrow(
        /tenant task/,
      );
      await expect(
        withTenant(database.db, tenantId, (trx) =>
          enqueue(trx, systemTask as never, { n: 2 }, { requestId: 'r' }),
        ),
      ).rejects.toThrow(/system task/);
    } finally {
      await worker.stop();
    }
  });

  it('a tenant task given a job without a tenant fails without running', async () => {
    let ran = false;
    const tenantTask = defineTask({
      id: 'test.tenant-strict',
      schema: z.object({}),
      async handle() {
        ran = true;
      },
    });
    const worker = await mailWorker(outboxMailer(database.db), [tenantTask]);
    try {
      const { rows } = await sql<{ id: string }>`
        select (graphile_worker.add_job('test.tenant-strict',
          json_build_object('tenantId', null, 'requestId', 'req-forged', 'payload', '{}'::json),
          max_attempts => 1)).id::text as id`.execute(database.ownerDb);
      const jobId = rows[0]!.id;
      const job = await waitFor(
        // Its only attempt used, it moves to the dead-letter queue with its last error.
        () =>
          database.ownerDb
            .selectFrom('deadLetters')
            .select('lastError')
            .where('jobId', '=', jobId)
            .executeTakeFirst(),
        { timeoutMs: 10_000, description: 'the forged job to fail' },
      );
      expect(job.lastError).toMatch(/wrong tenantId/);
      expect(ran).toBe(false);
    } finally {
      await worker.stop();
    }
  });
});
