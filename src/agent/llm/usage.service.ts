import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { type UsageTotals, usagePerConversation, usagePerDay } from './usage.repository.js';

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;
const MAX_CONVERSATIONS = 100;

const inUsd = <T extends UsageTotals>({ costMicros, ...rest }: T) => ({ ...rest, costUsd: costMicros / 1e6 });

/** Usage in whole UTC days, `to` included; at most a year per request. */
export async function getUsage(
  db: Db,
  tenantId: string,
  query: { from?: string | undefined; to?: string | undefined },
) {
  const today = new Date().toISOString().slice(0, 10);
  const to = query.to ?? today;
  const end = new Date(`${to}T00:00:00Z`).getTime() + DAY_MS;
  const from = query.from ?? new Date(end - 30 * DAY_MS).toISOString().slice(0, 10);
  const start = new Date(`${from}T00:00:00Z`).getTime();
  if (start >= end) throw new AppError('validation_failed', '`from` must not be after `to`');
  if (end - start > MAX_DAYS * DAY_MS)
    throw new AppError('validation_failed', `at most ${MAX_DAYS} days at once`);
  return withTenant(db, tenantId, async (trx) => {
    const days = await usagePerDay(trx, new Date(start), new Date(end));
    const conversations = await usagePerConversation(trx, new Date(start), new Date(end), MAX_CONVERSATIONS);
    return { from, to, days: days.map(inUsd), conversations: conversations.map(inUsd) };
  });
}
