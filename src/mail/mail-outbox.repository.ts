import type { Db } from '../platform/db/database.js';
import type { OutboxMail } from './mail-outbox.table.js';
import type { TMailMessage } from './message.js';

/** Idempotent: the message id is the key, so a job that runs twice stores the mail once. */
export async function insertOutboxMail(db: Db, message: TMailMessage): Promise<void> {
  await db
    .insertInto('mailOutbox')
    .values({ id: message.id, toAddress: message.to, subject: message.subject, textBody: message.text })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function listOutboxMail(db: Db, limit: number): Promise<OutboxMail[]> {
  return db.selectFrom('mailOutbox').selectAll().orderBy('createdAt', 'desc').limit(limit).execute();
}

/** `leadline mail list`: newest first, each mail with its headers and text, separated by a rule. */
export function formatOutbox(mails: readonly OutboxMail[]): string {
  if (mails.length === 0) return 'the outbox is empty\n';
  return mails
    .map(
      (mail) =>
        `to:      ${mail.toAddress}\nsubject: ${mail.subject}\ncreated: ${mail.createdAt.toISOString()}\n\n${mail.textBody}\n`,
    )
    .join(`${'-'.repeat(72)}\n`);
}
