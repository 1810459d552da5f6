import { keysetPage } from '../platform/db/keyset.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { PageCursor } from '../platform/http/cursor.js';
import type { AutomationRule, AutomationRun, RunStatus } from './automations.table.js';

const NEWEST_FIRST = { time: 'created_at', id: 'id', direction: 'desc' } as const;

export async function findRule(
  trx: TenantTransaction,
  id: string,
  options: { lock?: boolean } = {},
): Promise<AutomationRule | undefined> {
  let query = trx.selectFrom('automationRules').selectAll().where('id', '=', id);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Newest rule first, keyset on (created_at, id). */
export async function listRules(
  trx: TenantTransaction,
  options: { limit: number; after?: PageCursor | undefined },
): Promise<AutomationRule[]> {
  const query = trx.selectFrom('automationRules').selectAll().limit(options.limit);
  return keysetPage(query, NEWEST_FIRST, options.after).execute();
}

/** A rule's runs, newest first, keyset on (created_at, id). */
export async function listRuns(
  trx: TenantTransaction,
  ruleId: string,
  options: { limit: number; after?: PageCursor | undefined; status?: RunStatus | undefined },
): Promise<AutomationRun[]> {
  let query = trx.selectFrom('automationRuns').selectAll().where('ruleId', '=', ruleId).limit(options.limit);
  if (options.status) query = query.where('status', '=', options.status);
  return keysetPage(query, NEWEST_FIRST, options.after).execute();
}

/** Runs a rule started since `since` (its daily cap counts them, skipped ones too: each was a decision). */
export async function countRunsSince(trx: TenantTransaction, ruleId: string, since: Date): Promise<number> {
  const row = await trx
    .selectFrom('automationRuns')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('ruleId', '=', ruleId)
    .where('createdAt', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
