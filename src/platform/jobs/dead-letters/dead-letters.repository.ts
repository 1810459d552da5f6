import { type Kysely, sql } from 'kysely';
import { keysetPage } from '../../db/keyset.js';
import type { Database } from '../../db/schema.js';
import type { PageCursor } from '../../http/cursor.js';
import type { DeadLetter } from './dead-letters.table.js';

/**
 * Every function takes a tenant transaction (row-level security limits it to one tenant) or, from the
 * operator CLI, the owner connection, where `scope: 'system'` narrows it to rows of no tenant.
 */
type Executor = Kysely<Database>;
export type DeadLetterScope = 'rls' | 'system';

export interface DeadLetterFilters {
  task?: string | undefined;
  status?: 'dead' | 'replayed' | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  after?: PageCursor | undefined;
  limit: number;
}

function scoped(trx: Executor, scope: DeadLetterScope) {
  const query = trx.selectFrom('deadLetters').selectAll();
  return scope === 'system' ? query.where('tenantId', 'is', null) : query;
}

/** Newest failure first, keyset on (failed_at, id). */
export async function listDeadLetters(
  trx: Executor,
  scope: DeadLetterScope,
  filters: DeadLetterFilters,
): Promise<DeadLetter[]> {
  let query = scoped(trx, scope).limit(filters.limit);
  if (filters.task) query = query.where('task', '=', filters.task);
  if (filters.status) query = query.where('status', '=', filters.status);
  if (filters.from) query = query.where('failedAt', '>=', filters.from);
  if (filters.to) query = query.where('failedAt', '<', filters.to);
  return keysetPage(query, { time: 'failed_at', id: 'id', direction: 'desc' }, filters.after).execute();
}

/** `lock`: held until the transaction ends, so concurrent replays of one dead letter run one after the other. */
export async function findDeadLetters(
  trx: Executor,
  scope: DeadLetterScope,
  ids: readonly string[],
  options: { lock: boolean },
): Promise<DeadLetter[]> {
  if (ids.length === 0) return [];
  const query = scoped(trx, scope).where('id', 'in', ids).orderBy('id');
  return (options.lock ? query.forUpdate() : query).execute();
}

/** Marks a dead letter replayed; undefined when it was not (any longer) waiting for one. */
export async function markReplayed(
  trx: Executor,
  id: string,
  replayJobId: string,
): Promise<DeadLetter | undefined> {
  return trx
    .updateTable('deadLetters')
    .set({ status: 'replayed', replayedAt: new Date(), replayJobId })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .returningAll()
    .executeTakeFirst();
}

export async function deleteDeadLetters(trx: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.deleteFrom('deadLetters').where('id', 'in', ids).execute();
}

/** Moves every exhausted job into dead letters (see the migration); what it moved, by task and tenant. */
export async function sweepDeadJobs(db: Executor): Promise<{ task: string; tenantId: string | null }[]> {
  const { rows } = await sql<{ deadTask: string; deadTenantId: string | null }>`
    select * from dead_letters_sweep()`.execute(db);
  return rows.map((row) => ({ task: row.deadTask, tenantId: row.deadTenantId }));
}

/** Dead letters waiting for a replay or a discard, across every tenant (a count, for the metrics gauge). */
export async function countWaitingDeadLetters(db: Executor): Promise<number> {
  const { rows } = await sql<{ n: string }>`select dead_letters_waiting() as n`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
