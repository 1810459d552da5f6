import { sql } from 'kysely';
import type { Db } from './database.js';

/** The group role migrations grant privileges to; the runtime login is this role or a member of it. */
export const APP_ROLE = 'leadline_app';

export interface AppRoleReport {
  role: string;
  superuser: boolean;
  bypassesRls: boolean;
  ownsTables: string[];
}

/** What the runtime connection is allowed to do that it must not: checked at boot and by `doctor`. */
export async function inspectAppRole(db: Db): Promise<AppRoleReport> {
  const { rows } = await sql<{
    role: string;
    superuser: boolean;
    bypassesRls: boolean;
    ownsTables: string[];
  }>`
    select current_user as role,
           r.rolsuper as superuser,
           r.rolbypassrls as bypasses_rls,
           coalesce(array_agg(t.tablename::text) filter (where t.tablename is not null), '{}') as owns_tables
    from pg_roles r
    left join pg_tables t
      on t.schemaname in ('public', 'graphile_worker') and pg_has_role(current_user, t.tableowner, 'USAGE')
    where r.rolname = current_user
    group by r.rolname, r.rolsuper, r.rolbypassrls`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('cannot inspect the current database role');
  return row;
}

export function appRoleProblems(report: AppRoleReport): string[] {
  const problems: string[] = [];
  if (report.superuser) problems.push(`role ${report.role} is a superuser`);
  if (report.bypassesRls) problems.push(`role ${report.role} has BYPASSRLS`);
  if (report.ownsTables.length > 0) {
    problems.push(`role ${report.role} owns (or can act as the owner of) ${report.ownsTables.join(', ')}`);
  }
  return problems;
}

/** Gives the group role a password and LOGIN (embedded clusters and tests, where Leadline is the DBA). */
export async function ensureAppLogin(ownerDb: Db, password: string): Promise<void> {
  await sql`
    do $$
    begin
      if not exists (select from pg_roles where rolname = ${sql.lit(APP_ROLE)}) then
        create role ${sql.id(APP_ROLE)} nologin nosuperuser nobypassrls;
      end if;
    exception when duplicate_object then null;
    end $$`.execute(ownerDb);
  await sql`alter role ${sql.id(APP_ROLE)} with login nosuperuser nobypassrls password ${sql.lit(password)}`.execute(
    ownerDb,
  );
}
