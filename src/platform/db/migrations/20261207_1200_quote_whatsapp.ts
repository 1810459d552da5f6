import { type Kysely, sql } from 'kysely';

/**
 * Quotes on WhatsApp (ADR 0028): the approved template used outside the customer window, the channel
 * evidence of a decision made with a reply button, and the per-version count of reminder mails.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table quote_settings
      add column whatsapp_template_name text
        check (whatsapp_template_name ~ '^[a-z0-9_]+$' and length(whatsapp_template_name) <= 512),
      add column whatsapp_template_language text
        check (whatsapp_template_language ~ '^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?$')`.execute(db);
  await sql`
    alter table quote_decisions
      add column channel text not null default 'link' check (channel in ('link', 'whatsapp')),
      add column channel_message_id text check (length(channel_message_id) <= 256)`.execute(db);
  await sql`
    alter table quote_versions
      add column reminder_mails integer not null default 0 check (reminder_mails >= 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table quote_versions drop column reminder_mails`.execute(db);
  await sql`alter table quote_decisions drop column channel_message_id, drop column channel`.execute(db);
  await sql`
    alter table quote_settings drop column whatsapp_template_language, drop column whatsapp_template_name`.execute(
    db,
  );
}
