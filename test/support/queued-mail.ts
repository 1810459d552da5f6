import { MAIL_TASK } from '../../src/mail/mail.task.js';
import { type TMailMessage, ZMailMessage } from '../../src/mail/message.js';
import { SecretBox } from '../../src/platform/crypto/secret-box.js';
import type { Db } from '../../src/platform/db/database.js';
import { jobsOfTask } from '../fixtures/graphile-jobs.js';
import { pollUntil } from '../fixtures/leadline-process.js';
import { TEST_SECRET_KEY } from './config.js';

/**
 * The mails queued (not yet delivered) in a test database, opened as the mail task would open them.
 * Reads graphile-worker's table as the owner; the payload is sealed with the test SECRET_KEY.
 */
export async function queuedMails(ownerDb: Db, to?: string): Promise<TMailMessage[]> {
  const box = new SecretBox(TEST_SECRET_KEY, 'mail-job');
  const jobs = await jobsOfTask(ownerDb, MAIL_TASK.id);
  const mails = jobs.map((job) => {
    const envelope = job.payload as { payload: { sealed: string } };
    return ZMailMessage.parse(JSON.parse(box.open(envelope.payload.sealed)));
  });
  return to === undefined ? mails : mails.filter((mail) => mail.to === to);
}

/** The token of the newest mailed link `…#token=<token>` to `to`. */
export async function mailedToken(ownerDb: Db, to: string): Promise<string> {
  const mails = await queuedMails(ownerDb, to);
  const match = /#token=([A-Za-z0-9_%-]+)/.exec(mails.at(-1)?.text ?? '');
  if (!match?.[1]) throw new Error(`no mail with a token link to ${to}`);
  return decodeURIComponent(match[1]);
}

/**
 * The token of the newest link `<path>#token=…` mailed to `to`, once the worker has delivered it to the
 * local outbox (SMTP_URL unset): what `leadline mail list` shows an operator.
 */
export async function outboxToken(
  ownerDb: Db,
  to: string,
  path: string,
  timeoutMs = 10_000,
): Promise<string> {
  const link = new RegExp(`${path}#token=([A-Za-z0-9_-]+)`);
  return pollUntil(`a ${path} mail to ${to}`, timeoutMs, async () => {
    const mails = await ownerDb
      .selectFrom('mailOutbox')
      .select('textBody')
      .where('toAddress', '=', to)
      .orderBy('createdAt', 'desc')
      .execute();
    for (const mail of mails) {
      const match = link.exec(mail.textBody);
      if (match?.[1]) return match[1];
    }
    return undefined;
  });
}
