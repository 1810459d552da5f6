import nodemailer from 'nodemailer';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { configuredOutboundClient } from '../platform/http/outbound/outbound-client.js';
import { insertOutboxMail } from './mail-outbox.repository.js';
import { assertSafeFrom, type TMailMessage } from './message.js';
import { postmarkMailer } from './postmark-mailer.js';

/** Delivers one message or throws (the mail job then retries). */
export interface Mailer {
  readonly transport: 'smtp' | 'postmark' | 'outbox';
  send(message: TMailMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * The configured transport (MAIL_TRANSPORT): SMTP, Postmark's e-mail API, or the local outbox table that
 * `leadline mail list` shows.
 */
export function createMailer(config: Config, db: Db): Mailer {
  assertSafeFrom(config.mail.from);
  const { transport, smtpUrl, postmark } = config.mail;
  if (transport === 'smtp' && smtpUrl) return smtpMailer(smtpUrl, config.mail.from);
  if (transport === 'postmark' && postmark.serverToken) {
    return postmarkMailer({
      http: configuredOutboundClient(config, {
        // The mail job retries with its own backoff; in-call retries only for a short Retry-After.
        retry: { maxRetries: 2, initialDelayMs: 500, maxDelayMs: 5_000, maxRetryAfterMs: 5_000 },
      }),
      apiUrl: postmark.apiUrl,
      serverToken: postmark.serverToken,
      from: config.mail.from,
      messageStream: postmark.messageStream,
    });
  }
  return outboxMailer(db);
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
