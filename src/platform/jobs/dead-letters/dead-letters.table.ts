import type { ColumnType, Generated, Selectable } from 'kysely';

/** A graphile-worker job that used up its attempts; written only by `dead_letters_sweep()`. */
export interface DeadLettersTable {
  id: Generated<string>;
  /** Null for system tasks (no tenant): only instance operators (the CLI) see those. */
  tenantId: ColumnType<string | null, never, never>;
  jobId: ColumnType<string, never, never>;
  task: ColumnType<string, never, never>;
  requestId: ColumnType<string | null, never, never>;
  /** The task's own payload (the job envelope's `payload`), as first enqueued. */
  payload: ColumnType<unknown, never, never>;
  attempts: ColumnType<number, never, never>;
  maxAttempts: ColumnType<number, never, never>;
  lastError: ColumnType<string | null, never, never>;
  failedAt: ColumnType<Date, never, never>;
  status: ColumnType<'dead' | 'replayed', never, 'replayed'>;
  replayedAt: ColumnType<Date | null, never, Date>;
  replayJobId: ColumnType<string | null, never, string>;
  createdAt: Generated<Date>;
}

export type DeadLetter = Selectable<DeadLettersTable>;
