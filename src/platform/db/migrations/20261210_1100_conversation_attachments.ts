import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Files an operator uploaded to send in a conversation (image and document messages). The bytes are an
  // encrypted blob named by our code (`<tenant>/<sha256>`); the name shown is the sanitised original.
  await sql`
    create table conversation_attachments (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      conversation_id uuid not null,
      kind text not null check (kind in ('image', 'document')),
      mime_type text not null check (char_length(mime_type) between 1 and 255),
      file_name text not null check (char_length(file_name) between 1 and 255),
      size_bytes bigint not null check (size_bytes > 0),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      blob_key text not null,
      uploaded_by_user_id uuid,
      created_at timestamptz not null default now(),
      foreign key (tenant_id, conversation_id) references conversations (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index conversation_attachments_conversation_idx on conversation_attachments (tenant_id, conversation_id)`.execute(
    db,
  );
  await sql`create index conversation_attachments_blob_idx on conversation_attachments (blob_key)`.execute(
    db,
  );
  await sql`alter table conversation_attachments enable row level security`.execute(db);
  await sql`alter table conversation_attachments force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on conversation_attachments
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update, delete on conversation_attachments to leadline_app`.execute(db);

  // An outbound image or document has its media row from the start (stored, our blob): Meta's media id
  // comes only when it is sent, and is kept on the message instead.
  await sql`alter table message_media alter column provider_media_id drop not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from message_media where provider_media_id is null`.execute(db);
  await sql`alter table message_media alter column provider_media_id set not null`.execute(db);
  await sql`drop table conversation_attachments`.execute(db);
}
