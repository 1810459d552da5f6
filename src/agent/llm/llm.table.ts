import type { Generated, Selectable } from 'kysely';
import type { JsonColumn } from '../../platform/db/json.js';

export type ProviderKind = 'openai' | 'anthropic';

/** One entry of a tenant's ordered provider chain, as stored. */
export interface StoredProvider {
  /** Stable across edits, so a save that leaves the key out keeps the stored one. */
  id: string;
  kind: ProviderKind;
  baseUrl: string;
  model: string;
  /** Sealed with the secret box (purpose `llm-provider`); null for servers that take no key (Ollama). */
  apiKeySealed: string | null;
  /** The key's last four characters, the only part ever shown again. */
  apiKeyHint: string | null;
  timeoutMs: number;
}

export interface LlmSettingsTable {
  tenantId: Generated<string>;
  enabled: Generated<boolean>;
  providers: JsonColumn<StoredProvider[]>;
  persona: Generated<string>;
  knowledge: Generated<string>;
  requestsPerMinute: number | null;
  requestsPerDay: number | null;
  tokensPerMinute: number | null;
  tokensPerDay: number | null;
  /** Micro-dollars (pg bigint comes back as a string). */
  monthlySpendCapMicros: string | number | null;
  historyTokens: Generated<number>;
  maxOutputTokens: Generated<number>;
  failuresBeforeHandoff: Generated<number>;
  updatedAt: Generated<Date>;
}

export type LlmSettingsRow = Selectable<LlmSettingsTable>;

export interface LlmCallsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  conversationId: string | null;
  providerKind: ProviderKind;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  latencyMs: number;
  outcome: string;
  fallback: boolean;
  createdAt: Generated<Date>;
}

export type BudgetWindowKind = 'minute' | 'day' | 'month';

export interface LlmBudgetWindowsTable {
  tenantId: Generated<string>;
  kind: BudgetWindowKind;
  startsAt: Date;
  requests: Generated<number>;
  tokens: Generated<string>;
  costMicros: Generated<string>;
  exhaustedNotifiedAt: Date | null;
}
