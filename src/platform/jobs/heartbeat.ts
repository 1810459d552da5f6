import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';

export interface HeartbeatOptions {
  db: Db;
  logger: Logger;
  /** A worker silent this long is presumed dead and its jobs are unlocked for others. */
  staleAfterMs: number;
}

/**
 * graphile-worker leaves the jobs of a killed worker locked for four hours. Each process records a
 * heartbeat for its workers; every process also sweeps: jobs locked by a worker whose last heartbeat (or,
 * without one, whose lock) is older than `staleAfterMs` are released with graphile-worker's
 * `force_unlock_workers`, and idle workers are nudged to pick them up at once.
 */
export class WorkerHeartbeat {
  private readonly workerIds = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private lastSweep = 0;

  constructor(private readonly options: HeartbeatOptions) {}

  get intervalMs(): number {
    return Math.max(100, Math.floor(this.options.staleAfterMs / 6));
  }

  async add(workerId: string): Promise<void> {
    this.workerIds.add(workerId);
    await this.beat();
  }

  async remove(workerId: string): Promise<void> {
    this.workerIds.delete(workerId);
    await this.options.db.deleteFrom('workerHeartbeats').where('workerId', '=', workerId).execute();
  }

  start(): void {
    this.timer = setInterval(() => {
      this.beating = this.tick().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'worker heartbeat failed');
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
  }

  private async tick(): Promise<void> {
    await this.beat();
    if (Date.now() - this.lastSweep >= this.intervalMs) {
      this.lastSweep = Date.now();
      await this.sweep();
    }
  }

  private async beat(): Promise<void> {
    if (this.workerIds.size === 0) return;
    const host = hostname();
    await this.options.db
      .insertInto('workerHeartbeats')
      .values([...this.workerIds].map((workerId) => ({ workerId, hostname: host, pid: process.pid })))
      .onConflict((oc) => oc.column('workerId').doUpdateSet({ lastSeenAt: sql`now()` }))
      .execute();
  }

  /** Releases the jobs of silent workers. Safe to run from any number of processes at once. */
  async sweep(): Promise<string[]> {
    const staleSeconds = this.options.staleAfterMs / 1000;
    const { rows } = await sql<{ lockedBy: string }>`
      select distinct j.locked_by
      from graphile_worker._private_jobs j
      left join worker_heartbeats h on h.worker_id = j.locked_by
      where j.locked_by is not null
        and coalesce(h.last_seen_at, j.locked_at) < now() - make_interval(secs => ${staleSeconds})`.execute(
      this.options.db,
    );
    const dead = rows.map((row) => row.lockedBy);
    if (dead.length === 0) return dead;
    await sql`select graphile_worker.force_unlock_workers(${dead}::text[])`.execute(this.options.db);
    await this.options.db.deleteFrom('workerHeartbeats').where('workerId', 'in', dead).execute();
    await sql`select pg_notify('jobs:insert', json_build_object('count', ${dead.length}::int)::text)`.execute(
      this.options.db,
    );
    this.options.logger.warn({ workerIds: dead }, 'released jobs of silent workers');
    return dead;
  }

  /** True when some worker, in any process, has sent a heartbeat recently. */
  static async anyAlive(db: Db, staleAfterMs: number): Promise<boolean> {
    const row = await db
      .selectFrom('workerHeartbeats')
      .select(sql<number>`1`.as('alive'))
      .where('lastSeenAt', '>', sql<Date>`now() - make_interval(secs => ${staleAfterMs / 1000})`)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
