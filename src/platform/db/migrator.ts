import { type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Db } from './database.js';
import { migrations } from './migrations/index.js';

function migrator(db: Db): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

export interface MigrationState {
  name: string;
  executedAt: Date | undefined;
}

function unwrap(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed`, { cause: result.error });
  }
  return (result.results ?? []).map((r) => r.migrationName);
}

/** Applies pending migrations one at a time, each in its own transaction. Returns the names applied. */
export async function migrateUp(ownerDb: Db): Promise<string[]> {
  const applied: string[] = [];
  for (;;) {
    const step = unwrap(await migrator(ownerDb).migrateUp());
    if (step.length === 0) return applied;
    applied.push(...step);
  }
}

/** Applies pending migrations up to and including `target` (a restore builds the backup's schema). */
export async function migrateUpTo(ownerDb: Db, target: string): Promise<string[]> {
  const applied: string[] = [];
  for (;;) {
    const done = await migrator(ownerDb).getMigrations();
    if (done.find((m) => m.name === target)?.executedAt) return applied;
    const step = unwrap(await migrator(ownerDb).migrateUp());
    if (step.length === 0) throw new Error(`migration ${target} is unknown`);
    applied.push(...step);
  }
}

/** Reverts `steps` migrations (or all of them), newest first, each in its own transaction. */
export async function migrateDown(ownerDb: Db, steps: number | 'all'): Promise<string[]> {
  const reverted: string[] = [];
  while (steps === 'all' || reverted.length < steps) {
    const step = unwrap(await migrator(ownerDb).migrateDown());
    if (step.length === 0) break;
    reverted.push(...step);
  }
  return reverted;
}

export async function migrationStatus(db: Db): Promise<MigrationState[]> {
  const infos = await migrator(db).getMigrations();
  return infos.map((info) => ({ name: info.name, executedAt: info.executedAt }));
}

export const expectedMigrations = (): string[] => Object.keys(migrations).sort();

/** Applied migration names, readable by the application role (it may not create Kysely's tables). */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((row) => row.name);
}
