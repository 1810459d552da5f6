import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per `leadline backup verify` run, written by the operator's command as the owner; the
  // application only reads the newest rows into its backup gauges (no tenant: an instance-wide record).
  await sql`
    create table backup_verifications (
      id bigint generated always as identity primary key,
      backup_name text not null,
      verified_at timestamptz not null default now(),
      ok boolean not null,
      tables integer not null default 0,
      rows bigint not null default 0,
      failure text
    )`.execute(db);
  await sql`create index backup_verifications_verified_at_idx on backup_verifications (verified_at desc)`.execute(
    db,
  );
  await sql`grant select on backup_verifications to leadline_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table backup_verifications`.execute(db);
}
