import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = [
  'quote_settings',
  'catalog_items',
  'quote_counters',
  'quotes',
  'quote_versions',
  'quote_lines',
  'quote_documents',
  'quote_decisions',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // Accent-insensitive catalog search. unaccent is a trusted extension (PostgreSQL 13+), shipped by both
  // the embedded server and Debian's; its function is only STABLE (the dictionary could change), so an
  // IMMUTABLE wrapper naming the dictionary lets a generated column use it.
  await sql`create extension if not exists unaccent`.execute(db);
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`
    create function quote_search_fold(value text) returns text
    language sql immutable parallel safe set search_path = public, pg_temp
    as $$ select lower(public.unaccent('public.unaccent'::regdictionary, coalesce(value, ''))) $$`.execute(
    db,
  );
  await sql`grant execute on function quote_search_fold(text) to leadline_app`.execute(db);

  // One row per workspace; absent means the defaults below.
  await sql`
    create table quote_settings (
      tenant_id uuid primary key default app_current_tenant() references tenants (id) on delete cascade,
      currency text not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
      locale text not null default 'en' check (locale in ('en', 'it', 'pt-BR', 'es')),
      approval_mode text not null default 'always' check (approval_mode in ('always', 'auto_below')),
      auto_approve_below_minor bigint check (auto_approve_below_minor >= 0),
      drafter_cannot_approve boolean not null default false,
      reminder_after_minutes integer not null default 60 check (reminder_after_minutes between 5 and 10080),
      validity_days integer not null default 30 check (validity_days between 1 and 365),
      message_template text check (length(message_template) <= 20000),
      document_template text check (length(document_template) <= 20000),
      logo bytea check (octet_length(logo) <= 262144),
      logo_type text check (logo_type in ('image/png', 'image/jpeg')),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table catalog_items (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      sku text not null check (length(sku) between 1 and 64),
      name text not null check (length(name) between 1 and 200),
      description text not null default '' check (length(description) <= 4000),
      unit text not null default 'unit' check (length(unit) between 1 and 32),
      unit_price_minor bigint not null check (unit_price_minor between 0 and 1000000000000),
      tax_rate_bp integer not null default 0 check (tax_rate_bp between 0 and 10000),
      active boolean not null default true,
      category text check (length(category) between 1 and 100),
      options jsonb not null default '[]',
      search_text text generated always as (
        quote_search_fold(sku || ' ' || name || ' ' || coalesce(category, '') || ' ' || description)
      ) stored,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, id)
    )`.execute(db);
  await sql`create unique index catalog_items_sku_idx on catalog_items (tenant_id, lower(sku))`.execute(db);
  await sql`create index catalog_items_list_idx on catalog_items (tenant_id, created_at desc, id desc)`.execute(
    db,
  );

  // The numbering counter: the row is locked by the quote's own transaction, so numbers have no gaps.
  await sql`
    create table quote_counters (
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      year integer not null check (year between 2000 and 9999),
      last_number integer not null check (last_number >= 0),
      primary key (tenant_id, year)
    )`.execute(db);

  await sql`
    create table quotes (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      number text not null,
      contact_id uuid,
      conversation_id uuid,
      current_version integer not null default 1,
      created_by_user_id uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      unique (tenant_id, id),
      unique (tenant_id, number),
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete set null (contact_id),
      foreign key (tenant_id, conversation_id) references conversations (tenant_id, id)
        on delete set null (conversation_id)
    )`.execute(db);
  await sql`create index quotes_list_idx on quotes (tenant_id, created_at desc, id desc)`.execute(db);
  await sql`create index quotes_conversation_idx on quotes (tenant_id, conversation_id)`.execute(db);

  // A version's content never changes once it left draft; the status is the version's own state.
  await sql`
    create table quote_versions (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      quote_id uuid not null,
      version integer not null check (version >= 1),
      status text not null check (status in ('draft', 'pending_approval', 'approved', 'sent', 'viewed',
        'accepted', 'declined', 'expired', 'superseded')),
      status_changed_at timestamptz not null default now(),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      locale text not null,
      -- An ISO calendar date as text: pg would turn a date column into a JavaScript Date at local midnight.
      valid_until text not null check (valid_until ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
      notes text not null default '' check (length(notes) <= 4000),
      discount_bp integer not null default 0 check (discount_bp between 0 and 10000),
      subtotal_minor bigint not null,
      discount_minor bigint not null,
      tax_minor bigint not null,
      total_minor bigint not null,
      manual_price_change boolean not null default false,
      drafted_by_user_id uuid references users (id) on delete set null,
      approved_by_user_id uuid references users (id) on delete set null,
      sent_at timestamptz,
      created_at timestamptz not null default now(),
      unique (tenant_id, id),
      unique (quote_id, version),
      foreign key (tenant_id, quote_id) references quotes (tenant_id, id) on delete cascade
    )`.execute(db);
  // The approval queue, oldest first: a partial index holds only what waits.
  await sql`
    create index quote_versions_pending_idx on quote_versions (tenant_id, status_changed_at, id)
    where status = 'pending_approval'`.execute(db);

  await sql`
    create table quote_lines (
      id uuid primary key default gen_random_uuid(),
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      quote_version_id uuid not null,
      position integer not null check (position >= 0),
      catalog_item_id uuid,
      sku text not null,
      name text not null,
      unit text not null,
      unit_price_minor bigint not null check (unit_price_minor >= 0),
      catalog_price_minor bigint,
      tax_rate_bp integer not null check (tax_rate_bp between 0 and 10000),
      quantity_milli bigint not null check (quantity_milli > 0),
      discount_bp integer not null default 0 check (discount_bp between 0 and 10000),
      note text not null default '' check (length(note) <= 1000),
      source_message_id uuid,
      unique (quote_version_id, position),
      foreign key (tenant_id, quote_version_id) references quote_versions (tenant_id, id) on delete cascade,
      foreign key (tenant_id, catalog_item_id) references catalog_items (tenant_id, id)
        on delete set null (catalog_item_id)
    )`.execute(db);

  // The exact PDF a customer was sent: its SHA-256 is the acceptance evidence.
  await sql`
    create table quote_documents (
      quote_version_id uuid primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      pdf bytea not null,
      sha256 bytea not null,
      created_at timestamptz not null default now(),
      foreign key (tenant_id, quote_version_id) references quote_versions (tenant_id, id) on delete cascade
    )`.execute(db);

  await sql`
    create table quote_decisions (
      quote_version_id uuid primary key,
      tenant_id uuid not null default app_current_tenant() references tenants (id) on delete cascade,
      decision text not null check (decision in ('accepted', 'declined')),
      customer_name text check (length(customer_name) between 1 and 200),
      reason text check (length(reason) <= 1000),
      ip text,
      user_agent text,
      pdf_sha256 bytea,
      decided_at timestamptz not null default now(),
      foreign key (tenant_id, quote_version_id) references quote_versions (tenant_id, id) on delete cascade
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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [...TENANT_TABLES].reverse()) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
  await sql`drop function quote_search_fold(text)`.execute(db);
  await sql`drop extension if exists unaccent`.execute(db);
}
