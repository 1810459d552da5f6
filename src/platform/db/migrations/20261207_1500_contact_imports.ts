import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = [
  'contact_imports',
  'contact_import_changes',
  'contact_import_rejects',
  'contact_import_mappings',
  'contact_import_settings',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // One CSV file uploaded for import: where its bytes are (content-addressed blob parts, never a path made
  // from the file name), what was sniffed, the mapping chosen, and the job's progress (the last committed
  // line, from which a crashed job resumes).
  await sql`
    create table contact_imports (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      created_by uuid references users (id) on delete set null,
      file_name text not null check (length(file_name) <= 200),
      blob_parts text[] not null,
      size_bytes bigint not null check (size_bytes > 0),
      encoding text not null check (length(encoding) <= 40),
      delimiter text not null check (delimiter in (',', ';', E'\\t', '|')),
      headers jsonb not null,
      mapping jsonb,
      policy text check (policy in ('skip', 'fill', 'overwrite')),
      default_country text check (default_country ~ '^[A-Z]{2}$'),
      status text not null default 'uploaded'
        check (status in ('uploaded', 'queued', 'running', 'completed', 'failed', 'cancelled', 'undoing', 'undone')),
      cancel_requested boolean not null default false,
      error text check (length(error) <= 500),
      lines_done bigint not null default 0,
      bytes_done bigint not null default 0,
      rows_read bigint not null default 0,
      rows_created bigint not null default 0,
      rows_updated bigint not null default 0,
      rows_duplicate bigint not null default 0,
      rows_unchanged bigint not null default 0,
      rows_rejected bigint not null default 0,
      started_at timestamptz,
      finished_at timestamptz,
      undone_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);
  await sql`create index contact_imports_list_idx on contact_imports (tenant_id, created_at desc, id desc)`.execute(
    db,
  );

  // What an import did to each contact: created (removed by undo) or updated (restored from its before-image).
  await sql`
    create table contact_import_changes (
      tenant_id uuid not null default app_current_tenant(),
      import_id uuid not null,
      contact_id uuid not null,
      created boolean not null,
      before jsonb,
      primary key (import_id, contact_id),
      foreign key (tenant_id, import_id) references contact_imports (tenant_id, id) on delete cascade
    )`.execute(db);
  await sql`create index contact_import_changes_contact_idx on contact_import_changes (contact_id)`.execute(
    db,
  );

  // Rows the import refused, with their line in the file, the reason and the cells as read.
  await sql`
    create table contact_import_rejects (
      tenant_id uuid not null default app_current_tenant(),
      import_id uuid not null,
      line bigint not null,
      reason text not null check (length(reason) <= 300),
      cells text[] not null,
      primary key (import_id, line),
      foreign key (tenant_id, import_id) references contact_imports (tenant_id, id) on delete cascade
    )`.execute(db);

  // Mappings saved by name, to reuse on the next file with the same columns.
  await sql`
    create table contact_import_mappings (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      name text not null check (length(name) between 1 and 100),
      mapping jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, name)
    )`.execute(db);

  // The workspace's default country for phone numbers written without one.
  await sql`
    create table contact_import_settings (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      default_country text not null check (default_country ~ '^[A-Z]{2}$'),
      updated_at timestamptz not null default now()
    )`.execute(db);

  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (tenant_id = app_current_tenant())
        with check (tenant_id = app_current_tenant())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to leadline_app`.execute(db);
  }

  // Deduplication against existing contacts looks them up by e-mail after the phone number.
  await sql`create index contacts_email_idx on contacts (tenant_id, email) where email is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index contacts_email_idx`.execute(db);
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
