import { sql } from 'kysely';
import { type AuditActor, auditChange } from '../../audit/audit.repository.js';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { enrichCompanyTask } from './enrichment-task-ref.js';
import { HUNTER_PROVIDER } from './hunter.client.js';

export const DEFAULT_MONTHLY_BUDGET = 100;

export interface EnrichmentSettingsView {
  enabled: boolean;
  monthlyBudget: number;
  /** Provider calls made this calendar month (UTC). */
  usedThisMonth: number;
  provider: string;
  /** False when the instance has no provider key: enrichment cannot run whatever the workspace says. */
  available: boolean;
}

const thisMonth = sql<string>`date_trunc('month', now() at time zone 'utc')::date`;

async function settingsOf(trx: TenantTransaction) {
  const row = await trx.selectFrom('enrichmentSettings').selectAll().executeTakeFirst();
  return { enabled: row?.enabled ?? false, monthlyBudget: row?.monthlyBudget ?? DEFAULT_MONTHLY_BUDGET };
}

async function usedThisMonth(trx: TenantTransaction): Promise<number> {
  const row = await trx
    .selectFrom('enrichmentUsage')
    .select('calls')
    .where('month', '=', thisMonth)
    .executeTakeFirst();
  return row?.calls ?? 0;
}

export function getEnrichmentSettings(
  db: Db,
  config: Config,
  tenantId: string,
): Promise<EnrichmentSettingsView> {
  return withTenant(db, tenantId, async (trx) => ({
    ...(await settingsOf(trx)),
    usedThisMonth: await usedThisMonth(trx),
    provider: HUNTER_PROVIDER,
    available: config.enrichment.hunterApiKey !== undefined,
  }));
}

export async function updateEnrichmentSettings(
  db: Db,
  config: Config,
  tenantId: string,
  actor: AuditActor,
  input: { enabled: boolean; monthlyBudget: number },
): Promise<EnrichmentSettingsView> {
  if (input.enabled && config.enrichment.hunterApiKey === undefined) {
    throw new AppError('conflict', 'Enrichment is not available on this server (no provider key configured)');
  }
  await withTenant(db, tenantId, async (trx) => {
    await trx
      .insertInto('enrichmentSettings')
      .values({ enabled: input.enabled, monthlyBudget: input.monthlyBudget })
      .onConflict((oc) =>
        oc.column('tenantId').doUpdateSet({
          enabled: input.enabled,
          monthlyBudget: input.monthlyBudget,
          updatedAt: new Date(),
        }),
      )
      .execute();
    await auditChange(trx, tenantId, actor, 'enrichment.settings_updated', input);
  });
  return getEnrichmentSettings(db, config, tenantId);
}

/** Queues the enrichment of a contact's company when the workspace has it on (one pending job per contact). */
export async function queueEnrichment(
  trx: TenantTransaction,
  contactId: string,
  requestId: string,
): Promise<void> {
  if (!(await settingsOf(trx)).enabled) return;
  await enqueue(trx, enrichCompanyTask, { contactId }, { requestId, jobKey: `enrich-company:${contactId}` });
}

/**
 * Counts one provider call against this month's budget, atomically: false (and nothing counted) when the
 * month's calls have reached the budget.
 */
export async function spendEnrichmentCall(trx: TenantTransaction): Promise<boolean> {
  const { monthlyBudget } = await settingsOf(trx);
  if (monthlyBudget <= 0) return false;
  const { rows } = await sql<{ calls: number }>`
    insert into enrichment_usage (month, calls) values (${thisMonth}, 1)
    on conflict (tenant_id, month) do update set calls = enrichment_usage.calls + 1
      where enrichment_usage.calls < ${monthlyBudget}
    returning calls`.execute(trx);
  return rows.length > 0;
}

export function contactEnrichment(db: Db, tenantId: string, contactId: string) {
  return withTenant(db, tenantId, (trx) =>
    trx.selectFrom('contactEnrichments').selectAll().where('contactId', '=', contactId).executeTakeFirst(),
  );
}
