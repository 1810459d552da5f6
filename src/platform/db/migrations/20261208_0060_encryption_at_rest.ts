import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Per-workspace data keys (AES-256-GCM), each wrapped by the master key ring; never stored in the clear.
  // Deleting the workspace deletes its keys (crypto-shredding of what is still encrypted under them).
  await sql`
    create table workspace_data_keys (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      version integer not null check (version between 1 and 2147483647),
      wrapped_key text not null check (length(wrapped_key) between 1 and 2000),
      created_at timestamptz not null default now(),
      primary key (tenant_id, version)
    )`.execute(db);
  await sql`alter table workspace_data_keys enable row level security`.execute(db);
  await sql`alter table workspace_data_keys force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on workspace_data_keys
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update, delete on workspace_data_keys to leadline_app`.execute(db);

  // The data-key version of a stored value (the envelope's bytes 6-9), null for legacy plaintext: what the
  // re-encryption job looks for and what decides that a retired version is unused. Text columns hold the
  // envelope as STX + base64, whose first 12 characters are exactly the 9 header bytes.
  await sql`
    create function data_key_version(p_value bytea) returns integer
    language sql immutable parallel safe as $$
      select case when length(p_value) >= 37 and substr(p_value, 1, 4) = '\\x4c4c4501'::bytea
        then (get_byte(p_value, 5) << 24) | (get_byte(p_value, 6) << 16) | (get_byte(p_value, 7) << 8)
             | get_byte(p_value, 8)
      end
    $$`.execute(db);
  await sql`
    create function data_key_version(p_value text) returns integer
    language sql immutable parallel safe as $$
      select case when substr(h.b, 1, 4) = '\\x4c4c4501'::bytea
        then (get_byte(h.b, 5) << 24) | (get_byte(h.b, 6) << 16) | (get_byte(h.b, 7) << 8) | get_byte(h.b, 8)
      end
      from (select case when left(p_value, 1) = chr(2) and length(p_value) >= 13
                     then decode(substr(p_value, 2, 12), 'base64') end as b) h
    $$`.execute(db);

  // A sealed note is longer than its text (base64 of nonce, tag and ciphertext): the length rule moves to
  // the API (4,096 characters), the column only bounds what any sealed note can be.
  await sql`alter table conversation_notes drop constraint conversation_notes_text_check`.execute(db);
  await sql`
    alter table conversation_notes add constraint conversation_notes_text_check
      check (length(text) between 1 and 24576)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table conversation_notes drop constraint conversation_notes_text_check`.execute(db);
  await sql`
    alter table conversation_notes add constraint conversation_notes_text_check
      check (length(text) between 1 and 4096) not valid`.execute(db);
  await sql`drop function data_key_version(text)`.execute(db);
  await sql`drop function data_key_version(bytea)`.execute(db);
  await sql`drop table workspace_data_keys`.execute(db);
}
