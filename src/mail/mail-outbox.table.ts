import type { Generated, Selectable } from 'kysely';

/** Where mail goes when no SMTP server is configured (the embedded default); `leadline mail list` reads it. */
export interface MailOutboxTable {
  id: Generated<string>;
  toAddress: string;
  subject: string;
  textBody: string;
  createdAt: Generated<Date>;
}
export type OutboxMail = Selectable<MailOutboxTable>;
