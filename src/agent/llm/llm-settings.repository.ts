import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { LlmSettingsRow, StoredProvider } from './llm.table.js';

/** The secret box purpose provider API keys are sealed under. */
export const LLM_KEY_PURPOSE = 'llm-provider';

export interface LlmLimits {
  requestsPerMinute: number | null;
  requestsPerDay: number | null;
  tokensPerMinute: number | null;
  tokensPerDay: number | null;
  monthlySpendCapMicros: number | null;
}

export const NO_LLM_LIMITS: Readonly<LlmLimits> = {
  requestsPerMinute: null,
  requestsPerDay: null,
  tokensPerMinute: null,
  tokensPerDay: null,
  monthlySpendCapMicros: null,
};

/** A tenant's LLM agent settings as the application uses them (keys still sealed). */
export interface LlmSettings {
  enabled: boolean;
  providers: StoredProvider[];
  persona: string;
  knowledge: string;
  limits: LlmLimits;
  historyTokens: number;
  maxOutputTokens: number;
  failuresBeforeHandoff: number;
  updatedAt: Date | null;
}

export type LlmSettingsValues = Omit<LlmSettings, 'updatedAt'>;

/** What a tenant without a row gets: the migration's column defaults, so both places agree. */
export function defaultLlmSettings(): LlmSettingsValues {
  return {
    enabled: false,
    providers: [],
    persona: '',
    knowledge: '',
    limits: NO_LLM_LIMITS,
    historyTokens: 1500,
    maxOutputTokens: 600,
    failuresBeforeHandoff: 3,
  };
}

function toSettings(row: LlmSettingsRow): LlmSettings {
  return {
    enabled: row.enabled,
    providers: row.providers,
    persona: row.persona,
    knowledge: row.knowledge,
    limits: {
      requestsPerMinute: row.requestsPerMinute,
      requestsPerDay: row.requestsPerDay,
      tokensPerMinute: row.tokensPerMinute,
      tokensPerDay: row.tokensPerDay,
      monthlySpendCapMicros: row.monthlySpendCapMicros === null ? null : Number(row.monthlySpendCapMicros),
    },
    historyTokens: row.historyTokens,
    maxOutputTokens: row.maxOutputTokens,
    failuresBeforeHandoff: row.failuresBeforeHandoff,
    updatedAt: row.updatedAt,
  };
}

/** The tenant's settings, or null while it has never saved any. */
export async function findLlmSettings(
  trx: TenantTransaction,
  options: { forUpdate?: boolean } = {},
): Promise<LlmSettings | null> {
  let query = trx.selectFrom('llmSettings').selectAll();
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toSettings(row) : null;
}

/** Inserts or replaces the tenant's one row (the tenant id comes from the transaction's context). */
export async function saveLlmSettings(
  trx: TenantTransaction,
  values: LlmSettingsValues,
): Promise<LlmSettings> {
  const columns = {
    enabled: values.enabled,
    providers: JSON.stringify(values.providers),
    persona: values.persona,
    knowledge: values.knowledge,
    requestsPerMinute: values.limits.requestsPerMinute,
    requestsPerDay: values.limits.requestsPerDay,
    tokensPerMinute: values.limits.tokensPerMinute,
    tokensPerDay: values.limits.tokensPerDay,
    monthlySpendCapMicros: values.limits.monthlySpendCapMicros,
    historyTokens: values.historyTokens,
    maxOutputTokens: values.maxOutputTokens,
    failuresBeforeHandoff: values.failuresBeforeHandoff,
  };
  const row = await trx
    .insertInto('llmSettings')
    .values(columns)
    .onConflict((oc) => oc.column('tenantId').doUpdateSet((eb) => ({ ...columns, updatedAt: eb.fn('now') })))
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSettings(row);
}
