import type { Kysely } from 'kysely';
import type { RequestContext } from '../../../accounts/principal.js';
import { type AuditActor, auditChange, recordAudit } from '../../../audit/audit.repository.js';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { withTenant } from '../../db/tenant-context.js';
import { AppError } from '../../http/app-error.js';
import { type Page, pageOf } from '../../http/cursor.js';
import { requeue } from '../enqueue.js';
import {
  type DeadLetterFilters,
  type DeadLetterScope,
  deleteDeadLetters,
  findDeadLetters,
  listDeadLetters,
  markReplayed,
} from './dead-letters.repository.js';
import type { DeadLetter } from './dead-letters.table.js';

/** The job key of a dead letter's replay: a second replay while the first is pending replaces, not adds. */
export const replayJobKey = (deadLetterId: string) => `dead-letter:${deadLetterId}`;

export interface ReplayOutcome {
  /** Dead letters whose job was enqueued again by this call. */
  replayed: DeadLetter[];
  /** Ids already replayed before: nothing enqueued for them (replays are idempotent). */
  alreadyReplayed: string[];
}

/** Who replays or discards: a tenant's member or API key (audited in its tenant), or an operator's CLI. */
type Auditor = (trx: Kysely<Database>, action: string, detail: Record<string, unknown>) => Promise<void>;

export async function tenantDeadLetters(
  db: Db,
  tenantId: string,
  filters: DeadLetterFilters,
): Promise<Page<DeadLetter>> {
  const rows = await withTenant(db, tenantId, (trx) =>
    listDeadLetters(trx, 'rls', { ...filters, limit: filters.limit + 1 }),
  );
  return pageOf(rows, filters.limit, (row) => ({ at: row.failedAt, id: row.id }));
}

export async function tenantDeadLetter(db: Db, tenantId: string, id: string): Promise<DeadLetter> {
  const [row] = await withTenant(db, tenantId, (trx) => findDeadLetters(trx, 'rls', [id], { lock: false }));
  if (!row) throw new AppError('not_found', 'Dead letter not found');
  return row;
}

export async function replayTenantDeadLetters(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  ids: readonly string[],
): Promise<ReplayOutcome> {
  return withTenant(db, tenantId, (trx) =>
    replay(trx, 'rls', ids, actor.context, (_t, action, detail) =>
      auditChange(trx, tenantId, actor, action, detail),
    ),
  );
}

export async function discardTenantDeadLetters(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  ids: readonly string[],
): Promise<void> {
  await withTenant(db, tenantId, (trx) =>
    discard(trx, 'rls', ids, (_t, action, detail) => auditChange(trx, tenantId, actor, action, detail)),
  );
}

/** System dead letters (no tenant), for instance operators: `db` is the owner connection the CLI holds. */
export async function systemDeadLetters(ownerDb: Db, filters: DeadLetterFilters): Promise<Page<DeadLetter>> {
  const rows = await listDeadLetters(ownerDb, 'system', { ...filters, limit: filters.limit + 1 });
  return pageOf(rows, filters.limit, (row) => ({ at: row.failedAt, id: row.id }));
}

const operatorAudit =
  (context: RequestContext): Auditor =>
  (trx, action, detail) =>
    recordAudit(trx, { action, tenantId: null, context, detail: { ...detail, via: 'cli' } });

export async function replaySystemDeadLetters(
  ownerDb: Db,
  context: RequestContext,
  ids: readonly string[],
): Promise<ReplayOutcome> {
  return ownerDb.transaction().execute((trx) => replay(trx, 'system', ids, context, operatorAudit(context)));
}

export async function discardSystemDeadLetters(
  ownerDb: Db,
  context: RequestContext,
  ids: readonly string[],
): Promise<void> {
  await ownerDb.transaction().execute((trx) => discard(trx, 'system', ids, operatorAudit(context)));
}

/** Rows locked for the rest of the transaction; every id must exist, or nothing is done. */
async function lockAll(trx: Kysely<Database>, scope: DeadLetterScope, ids: readonly string[]) {
  const unique = [...new Set(ids)];
  const rows = await findDeadLetters(trx, scope, unique, { lock: true });
  if (rows.length !== unique.length) {
    const found = new Set(rows.map((row) => row.id));
    const missing = unique.filter((id) => !found.has(id));
    throw new AppError('not_found', `Dead letter not found: ${missing.join(', ')}`);
  }
  return rows;
}

async function replay(
  trx: Kysely<Database>,
  scope: DeadLetterScope,
  ids: readonly string[],
  context: RequestContext,
  audit: Auditor,
): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = { replayed: [], alreadyReplayed: [] };
  for (const row of await lockAll(trx, scope, ids)) {
    if (row.status !== 'dead') {
      outcome.alreadyReplayed.push(row.id);
      continue;
    }
    // The original task and payload, a fresh attempt count, the replaying request's id for tracing.
    const { jobId } = await requeue(
      trx,
      {
        task: row.task,
        tenant: row.tenantId === null ? null : 'current',
        payload: row.payload,
        maxAttempts: row.maxAttempts,
      },
      { requestId: context.requestId, jobKey: replayJobKey(row.id) },
    );
    const replayed = await markReplayed(trx, row.id, jobId);
    if (!replayed) throw new Error(`dead letter ${row.id} changed while locked`);
    outcome.replayed.push(replayed);
    await audit(trx, 'dead_letter.replayed', { deadLetterId: row.id, task: row.task, jobId });
  }
  return outcome;
}

async function discard(
  trx: Kysely<Database>,
  scope: DeadLetterScope,
  ids: readonly string[],
  audit: Auditor,
): Promise<void> {
  const rows = await lockAll(trx, scope, ids);
  await deleteDeadLetters(
    trx,
    rows.map((row) => row.id),
  );
  for (const row of rows) {
    await audit(trx, 'dead_letter.discarded', { deadLetterId: row.id, task: row.task, status: row.status });
  }
}
