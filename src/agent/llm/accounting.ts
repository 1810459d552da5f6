import { recordAudit } from '../../audit/audit.repository.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import {
  type BudgetExhausted,
  claimExhaustedNotice,
  reserveRequest,
  settleRequest,
} from './budget.repository.js';
import type { LlmLimits } from './llm-settings.repository.js';
import { costMicros, type PriceTable } from './prices.js';
import type { AttemptReport } from './router.js';
import { insertLlmCall } from './usage.repository.js';

export interface AccountingDependencies {
  db: Db;
  prices: PriceTable;
  metrics: Pick<Metrics, 'llmCalls' | 'llmBudgetExhausted'> | undefined;
  clock: () => Date;
}

/**
 * Budget and usage bookkeeping for one turn, each step in its own short tenant transaction (the turn
 * itself holds none). A request is taken from the budget before every attempt and its tokens and cost
 * added after; every attempt that reached a provider leaves a usage row.
 */
export class TurnAccounting {
  private reservedAt: Date | undefined;

  constructor(
    private readonly deps: AccountingDependencies,
    private readonly tenantId: string,
    private readonly conversationId: string,
    private readonly limits: LlmLimits,
  ) {}

  async reserve(): Promise<void> {
    const now = this.deps.clock();
    await withTenant(this.deps.db, this.tenantId, (trx) => reserveRequest(trx, this.limits, now));
    this.reservedAt = now;
  }

  async record(report: AttemptReport): Promise<void> {
    const cost = costMicros(this.deps.prices, report.provider.model, report.inputTokens, report.outputTokens);
    const reservedAt = this.reservedAt ?? this.deps.clock();
    await withTenant(this.deps.db, this.tenantId, async (trx) => {
      await insertLlmCall(trx, {
        conversationId: this.conversationId,
        providerKind: report.provider.kind,
        model: report.provider.model.slice(0, 200),
        inputTokens: report.inputTokens,
        outputTokens: report.outputTokens,
        costMicros: cost,
        latencyMs: report.latencyMs,
        outcome: report.outcome,
        fallback: report.index > 0,
      });
      await settleRequest(trx, reservedAt, {
        tokens: report.inputTokens + report.outputTokens,
        costMicros: cost,
      });
    });
    this.deps.metrics?.llmCalls.inc({ provider: report.provider.kind, outcome: report.outcome });
  }

  /** Counted every time; audited once per window, so owners hear of it without a flood. */
  async exhausted(error: BudgetExhausted): Promise<void> {
    this.deps.metrics?.llmBudgetExhausted.inc({ limit: error.limit });
    await withTenant(this.deps.db, this.tenantId, async (trx) => {
      if (!(await claimExhaustedNotice(trx, error.window))) return;
      await recordAudit(trx, {
        action: 'llm.budget_exhausted',
        tenantId: this.tenantId,
        context: null,
        detail: {
          limit: error.limit,
          window: error.window.kind,
          windowStart: error.window.startsAt.toISOString(),
        },
      });
    });
  }
}
