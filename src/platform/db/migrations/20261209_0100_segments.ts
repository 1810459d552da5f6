import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // A saved audience: a filter over the workspace's contacts (src/segments/audience.ts reads `filter`).
  await sql`
    create table segments (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (char_length(name) between 1 and 100),
      filter jsonb not null check (jsonb_typeof(filter) = 'object'),
      created_by_user_id uuid references users (id) on delete set null,
      -- Milliseconds, as a JavaScript Date and a list cursor hold it: the keyset compares exactly.
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);
  await sql`create unique index segments_name_idx on segments (tenant_id, lower(name))`.execute(db);
  await sql`create index segments_list_idx on segments (tenant_id, created_at desc, id desc)`.execute(db);
  await sql`alter table segments enable row level security`.execute(db);
  await sql`alter table segments force row level security`.execute(db);
  await sql`
    create policy tenant_isolation on segments
      using (tenant_id = app_current_tenant())
      with check (tenant_id = app_current_tenant())`.execute(db);
  await sql`grant select, insert, update, delete on segments to leadline_app`.execute(db);

  // Segment conditions on the lead's source (the other conditions have their indexes already).
  await sql`create index contacts_source_idx on contacts (tenant_id, source)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index contacts_source_idx`.execute(db);
  await sql`drop table segments`.execute(db);
}
