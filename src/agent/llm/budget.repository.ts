import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { BudgetWindowKind } from './llm.table.js';
import type { LlmLimits } from './llm-settings.repository.js';

export type BudgetLimit =
  | 'requests_per_minute'
  | 'requests_per_day'
  | 'tokens_per_minute'
  | 'tokens_per_day'
  | 'monthly_spend';

export interface BudgetWindow {
  kind: BudgetWindowKind;
  startsAt: Date;
}

/** The UTC windows a moment falls in: its minute, day and month. */
export function windowsAt(now: Date): BudgetWindow[] {
  const minute = new Date(now);
  minute.setUTCSeconds(0, 0);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return [
    { kind: 'minute', startsAt: minute },
    { kind: 'day', startsAt: day },
    { kind: 'month', startsAt: month },
  ];
}

function capsOf(kind: BudgetWindowKind, limits: LlmLimits) {
  if (kind === 'minute') {
    return {
      requests: limits.requestsPerMinute,
      tokens: limits.tokensPerMinute,
      cost: null,
      names: ['requests_per_minute', 'tokens_per_minute'] as const,
    };
  }
  if (kind === 'day') {
    return {
      requests: limits.requestsPerDay,
      tokens: limits.tokensPerDay,
      cost: null,
      names: ['requests_per_day', 'tokens_per_day'] as const,
    };
  }
  return { requests: null, tokens: null, cost: limits.monthlySpendCapMicros, names: [] as const };
}

/** Thrown inside the reservation's transaction so the windows already bumped roll back with it. */
export class BudgetExhausted extends Error {
  constructor(
    readonly limit: BudgetLimit,
    readonly window: BudgetWindow,
  ) {
    super(`LLM budget exhausted: ${limit}`);
    this.name = 'BudgetExhausted';
  }
}

/**
 * Takes one request from each of the tenant's windows, or throws BudgetExhausted naming the limit that is
 * used up. The conditional upsert is atomic per row, so workers in several processes never take more than
 * the limit between them. Tokens and spend are only known after a call: a window whose tokens or spend
 * already reached its cap refuses the next request.
 */
export async function reserveRequest(trx: TenantTransaction, limits: LlmLimits, now: Date): Promise<void> {
  for (const window of windowsAt(now)) {
    const caps = capsOf(window.kind, limits);
    const row = await trx
      .insertInto('llmBudgetWindows')
      .values({ kind: window.kind, startsAt: window.startsAt, requests: 1, exhaustedNotifiedAt: null })
      .onConflict((oc) =>
        oc
          .columns(['tenantId', 'kind', 'startsAt'])
          .doUpdateSet({ requests: sql`llm_budget_windows.requests + 1` })
          .where(sql<boolean>`(${caps.requests}::integer is null or llm_budget_windows.requests < ${caps.requests}::integer)
            and (${caps.tokens}::bigint is null or llm_budget_windows.tokens < ${caps.tokens}::bigint)
            and (${caps.cost}::bigint is null or llm_budget_windows.cost_micros < ${caps.cost}::bigint)`),
      )
      .returning('requests')
      .executeTakeFirst();
    if (row) continue;
    const current = await trx
      .selectFrom('llmBudgetWindows')
      .select(['requests', 'tokens'])
      .where('kind', '=', window.kind)
      .where('startsAt', '=', window.startsAt)
      .executeTakeFirstOrThrow();
    let limit: BudgetLimit = 'monthly_spend';
    if (caps.names.length > 0) {
      limit =
        caps.requests !== null && current.requests >= caps.requests
          ? caps.names[0]
          : (caps.names[1] ?? 'monthly_spend');
    }
    throw new BudgetExhausted(limit, window);
  }
}

/** Adds a finished call's tokens and estimated cost to the windows its request was taken from. */
export async function settleRequest(
  trx: TenantTransaction,
  now: Date,
  usage: { tokens: number; costMicros: number },
): Promise<void> {
  if (usage.tokens === 0 && usage.costMicros === 0) return;
  for (const window of windowsAt(now)) {
    await trx
      .updateTable('llmBudgetWindows')
      .set({
        tokens: sql`tokens + ${usage.tokens}`,
        costMicros: sql`cost_micros + ${usage.costMicros}`,
      })
      .where('kind', '=', window.kind)
      .where('startsAt', '=', window.startsAt)
      .execute();
  }
}

/** True the first time it is called for a window: owners are told once per window, not per message. */
export async function claimExhaustedNotice(trx: TenantTransaction, window: BudgetWindow): Promise<boolean> {
  const row = await trx
    .updateTable('llmBudgetWindows')
    .set({ exhaustedNotifiedAt: sql<Date>`now()` })
    .where('kind', '=', window.kind)
    .where('startsAt', '=', window.startsAt)
    .where('exhaustedNotifiedAt', 'is', null)
    .returning('kind')
    .executeTakeFirst();
  return row !== undefined;
}
