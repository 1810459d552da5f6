import { sql } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/database.js';

/**
 * Gauges read from the database at scrape time: the job queue's lag and the newest backup verification
 * (written by `leadline backup verify`); the dead-letter queue's size is set by the worker's sweeper.
 * Every process reports the same instance-wide values; alert on max(). A failed read keeps the previous
 * value rather than failing the whole scrape.
 */
export function registerDatabaseGauges(registry: Registry, db: Db): void {
  new Gauge({
    name: 'leadline_jobs_queue_lag_seconds',
    help: 'Age of the oldest job that is due, unlocked and not failed for good (0 when none)',
    registers: [registry],
    async collect() {
      const row = await read(
        sql<{ value: number | null }>`
          select extract(epoch from now() - min(run_at))::float8 as value from graphile_worker._private_jobs
          where run_at <= now() and locked_at is null and attempts < max_attempts`,
      );
      if (row) this.set(Math.max(0, row.value ?? 0));
    },
  });
  new Gauge({
    name: 'leadline_backup_last_verified_timestamp_seconds',
    help: 'When a backup last passed `leadline backup verify` (Unix time; 0 = never)',
    registers: [registry],
    async collect() {
      const row = await read(
        sql<{ value: number | null }>`
          select extract(epoch from max(verified_at))::float8 as value from backup_verifications where ok`,
      );
      if (row) this.set(row.value ?? 0);
    },
  });
  new Gauge({
    name: 'leadline_backup_last_verify_failed',
    help: '1 when the newest `leadline backup verify` run failed, else 0',
    registers: [registry],
    async collect() {
      const row = await read(
        sql<{ value: boolean | null }>`
          select not ok as value from backup_verifications order by verified_at desc, id desc limit 1`,
        true,
      );
      if (row !== undefined) this.set(row?.value ? 1 : 0);
    },
  });

  async function read<T>(
    query: ReturnType<typeof sql<T>>,
    mayBeEmpty = false,
  ): Promise<T | null | undefined> {
    try {
      const { rows } = await query.execute(db);
      return rows[0] ?? (mayBeEmpty ? null : undefined);
    } catch {
      return undefined;
    }
  }
}
