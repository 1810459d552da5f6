import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Conversations become channel-agnostic (ADR 0027): each names its channel's kind, and the domains find
  // the channel's adapter (reply window, send task, queue) by it. Every existing conversation is WhatsApp.
  await sql`alter table conversations add column channel_kind text not null default 'whatsapp'
    check (channel_kind in ('whatsapp', 'sms'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table conversations drop column channel_kind`.execute(db);
}
