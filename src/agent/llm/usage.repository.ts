import { type Insertable, sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { LlmCallsTable } from './llm.table.js';

/** One attempt as recorded; `fallback`: made on a provider after the first of the chain. */
export type LlmCallRecord = Omit<Insertable<LlmCallsTable>, 'id' | 'tenantId' | 'createdAt'>;

export async function insertLlmCall(trx: TenantTransaction, call: LlmCallRecord): Promise<void> {
  await trx.insertInto('llmCalls').values(call).execute();
}

export interface UsageTotals {
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

const TOTALS = [
  sql<string>`count(*)`.as('calls'),
  sql<string>`count(*) filter (where outcome <> 'ok')`.as('failedCalls'),
  sql<string>`coalesce(sum(input_tokens), 0)`.as('inputTokens'),
  sql<string>`coalesce(sum(output_tokens), 0)`.as('outputTokens'),
  sql<string>`coalesce(sum(cost_micros), 0)`.as('costMicros'),
] as const;

function toTotals(row: Record<keyof UsageTotals, string | number | bigint>): UsageTotals {
  return {
    calls: Number(row.calls),
    failedCalls: Number(row.failedCalls),
    inputTokens: Number(row.inputTokens),
    outputTokens: Number(row.outputTokens),
    costMicros: Number(row.costMicros),
  };
}

/** Calls per UTC day in [from, to). */
export async function usagePerDay(
  trx: TenantTransaction,
  from: Date,
  to: Date,
): Promise<(UsageTotals & { day: string })[]> {
  const day = sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = await trx
    .selectFrom('llmCalls')
    .select([day.as('day'), ...TOTALS])
    .where('createdAt', '>=', from)
    .where('createdAt', '<', to)
    .groupBy(day)
    .orderBy(day)
    .execute();
  return rows.map((row) => ({ day: row.day, ...toTotals(row) }));
}

/** Calls per conversation in [from, to), the most expensive first. */
export async function usagePerConversation(
  trx: TenantTransaction,
  from: Date,
  to: Date,
  limit: number,
): Promise<(UsageTotals & { conversationId: string })[]> {
  const rows = await trx
    .selectFrom('llmCalls')
    .select(['conversationId', ...TOTALS])
    .where('createdAt', '>=', from)
    .where('createdAt', '<', to)
    .where('conversationId', 'is not', null)
    .groupBy('conversationId')
    .orderBy(sql`sum(cost_micros)`, 'desc')
    .orderBy('conversationId')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ conversationId: row.conversationId as string, ...toTotals(row) }));
}
