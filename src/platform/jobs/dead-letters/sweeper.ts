import type { Counter, Gauge } from 'prom-client';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../logging/logger.js';
import { countWaitingDeadLetters, sweepDeadJobs } from './dead-letters.repository.js';

export interface DeadLetterSweeperOptions {
  db: Db;
  logger: Logger;
  intervalMs: number;
  /** `leadline_jobs_dead_lettered_total`, by task. */
  deadLettered?: Counter<'task'> | undefined;
  /** `leadline_jobs_dead_letters`: the queue's size, refreshed after each sweep. */
  waiting?: Gauge | undefined;
}

/**
 * Moves exhausted jobs into dead letters (ADR 0026): on a timer, which also catches jobs whose worker died
 * on the last attempt (the heartbeat sweep unlocks them, attempts used up), and soon after a worker reports
 * a final failure. Any number of processes may sweep at once: each job row is deleted by one of them.
 */
export class DeadLetterSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  private nudged: NodeJS.Timeout | undefined;
  private busy = false;
  private again = false;
  private stopped = false;

  constructor(private readonly options: DeadLetterSweeperOptions) {}

  start(): void {
    this.timer = setInterval(() => this.run(), this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * A job just failed for the last time. graphile-worker writes the failure after announcing it (batched,
   * on the next tick), so the sweep waits a moment; what it misses the timer picks up.
   */
  nudge(): void {
    if (this.nudged) return;
    this.nudged = setTimeout(() => {
      this.nudged = undefined;
      this.run();
    }, 100);
    this.nudged.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.nudged);
    await this.sweeping;
  }

  /** One sweep at a time per process; a request meanwhile runs one more sweep after it, not a queue of them. */
  private run(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.sweeping = this.sweep()
      .then(
        () => undefined,
        (error: unknown) => this.options.logger.warn({ err: error }, 'dead-letter sweep failed'),
      )
      .finally(() => {
        this.busy = false;
        if (this.again) {
          this.again = false;
          this.run();
        }
      });
  }

  async sweep(): Promise<number> {
    const moved = await sweepDeadJobs(this.options.db);
    for (const { task, tenantId } of moved) {
      this.options.deadLettered?.inc({ task });
      this.options.logger.warn({ task, tenantId }, 'job dead-lettered after its last attempt');
    }
    if (this.options.waiting) this.options.waiting.set(await countWaitingDeadLetters(this.options.db));
    return moved.length;
  }
}
