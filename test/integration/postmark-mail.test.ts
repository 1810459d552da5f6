import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mail/mailer.js';
import { FakePostmark } from '../fakes/postmark.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const postmark = new FakePostmark('postmark-server-token-0001');
let database: TestDatabase;

beforeAll(async () => {
  await postmark.start();
  database = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  await database?.drop();
  await postmark.close();
});

const env = (token: string) => ({
  MAIL_TRANSPORT: 'postmark',
  POSTMARK_API_URL: postmark.url,
  POSTMARK_SERVER_TOKEN: token,
  OUTBOUND_ALLOW_PRIVATE_HOSTS: postmark.hostPort,
  MAIL_FROM: 'Leadline <no-reply@leadline.example>',
});

describe('Postmark as the transport of Leadline’s own mail', () => {
  it('sends through Postmark’s e-mail API when MAIL_TRANSPORT=postmark', async () => {
    const mailer = createMailer(testConfig(env('postmark-server-token-0001')), database.db);
    expect(mailer.transport).toBe('postmark');
    const id = randomUUID();
    await mailer.send({ id, to: 'ada@example.com', subject: 'Reset your password', text: 'Follow the link' });
    await mailer.close();
    expect(postmark.sent).toEqual([
      expect.objectContaining({
        From: 'Leadline <no-reply@leadline.example>',
        To: 'ada@example.com',
        Subject: 'Reset your password',
        TextBody: 'Follow the link',
        MessageStream: 'outbound',
      }),
    ]);
  });

  it('fails the send on a refused token, naming the status and ErrorCode but not the recipient', async () => {
    const mailer = createMailer(testConfig(env('postmark-wrong-token')), database.db);
    const failure = mailer.send({ id: randomUUID(), to: 'bob@example.com', subject: 'Hi', text: 'x' });
    await expect(failure).rejects.toThrow(/HTTP 401 \(ErrorCode 10\)/);
    await expect(failure).rejects.not.toThrow(/bob@example.com/);
    await mailer.close();
  });

  it('refuses MAIL_TRANSPORT=postmark without a server token, and keeps SMTP or the outbox otherwise', () => {
    expect(() => testConfig({ MAIL_TRANSPORT: 'postmark' })).toThrow(/POSTMARK_SERVER_TOKEN/);
    expect(testConfig({}).mail.transport).toBe('outbox');
    expect(testConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).mail.transport).toBe('smtp');
  });
});
