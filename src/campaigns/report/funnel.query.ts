import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { FUNNEL_STAGES, type FunnelStage, recipientOutcomes } from './recipient-outcomes.sql.js';

export type Variant = 'A' | 'B';
export type Funnel = Record<FunnelStage, number>;

export interface VariantFunnel {
  variant: Variant;
  /** Every recipient frozen into the campaign for this variant, sent or not. */
  recipients: number;
  /** Recipients the campaign will not message: skipped, opted out, or cancelled before their send. */
  notSent: number;
  funnel: Funnel;
}

/** The funnel of each variant of a campaign, in one statement (variants without recipients are absent). */
export async function funnelByVariant(trx: TenantTransaction, campaignId: string): Promise<VariantFunnel[]> {
  const counts = FUNNEL_STAGES.map(
    (stage) => sql`count(*) filter (where o.${sql.ref(stage)})::int as ${sql.ref(stage)}`,
  );
  const { rows } = await sql<{ variant: Variant; recipients: number; notSent: number } & Funnel>`
    select o.variant, count(*)::int as recipients,
      count(*) filter (where o.status in ('skipped', 'opted_out', 'cancelled') and not o.sent)::int as "notSent",
      ${sql.join(counts)}
    from (${recipientOutcomes(campaignId)}) o
    group by o.variant
    order by o.variant`.execute(trx);
  return rows.map(({ variant, recipients, notSent, ...funnel }) => ({
    variant,
    recipients,
    notSent,
    funnel: Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, funnel[stage]])) as Funnel,
  }));
}

/** The sum of the variants' funnels: the campaign as a whole. */
export function totalFunnel(variants: readonly VariantFunnel[]): Omit<VariantFunnel, 'variant'> {
  const funnel = Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, 0])) as Funnel;
  let recipients = 0;
  let notSent = 0;
  for (const variant of variants) {
    recipients += variant.recipients;
    notSent += variant.notSent;
    for (const stage of FUNNEL_STAGES) funnel[stage] += variant.funnel[stage];
  }
  return { recipients, notSent, funnel };
}
