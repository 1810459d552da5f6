import nodemailer from 'nodemailer';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { insertOutboxMail } from './mail-outbox.repository.js';
import { assertSafeFrom, type TMailMessage } from './message.js';

/** Delivers one message or throws (the mail job then retries). */
export interface Mailer {
  readonly transport: 'smtp' | 'outbox';
  send(message: TMailMessage): Promise<void>;
  close(): Promise<void>;
}

/** SMTP when SMTP_URL is set; otherwise the local outbox table that `leadline mail list` shows. */
export function createMailer(config: Config, db: Db): Mailer {
  assertSafeFrom(config.mail.from);
  return config.mail.smtpUrl ? smtpMailer(config.mail.smtpUrl, config.mail.from) : outboxMailer(db);
}

export function smtpMailer(smtpUrl: string, from: string): Mailer {
  assertSafeFrom(from);
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    // Bounded: a stalled server fails the attempt and the job retries later, instead of hanging a worker.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    transport: 'smtp',
    async send(message) {
      // Structured fields only: nodemailer encodes them; nothing user-supplied is written as a raw header.
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: `<${message.id}@leadline>`,
      });
    },
    async close() {
      transport.close();
    },
  };
}

export function outboxMailer(db: Db): Mailer {
  return {
    transport: 'outbox',
    send: (message) => insertOutboxMail(db, message),
    close: async () => {},
  };
}
