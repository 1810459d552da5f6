import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import type { PlanState, WorkspacePlanRow } from './plans.table.js';
import { measureUsage, monthStart, type Usage } from './usage.js';

export type Meter = 'members' | 'channels' | 'conversations' | 'llmSpendMicros' | 'campaignRecipients';

export interface Limits {
  members: number | null;
  channels: number | null;
  conversations: number | null;
  llmSpendMicros: number | null;
  campaignRecipients: number | null;
}

export interface Plan {
  state: PlanState;
  trialEndsAt: Date | null;
  suspendedReason: string | null;
  limits: Limits;
}

/**
 * Why the bot and outbound automations of a workspace are paused (empty: they run). The first three come
 * from the plan; `automations_halted` is the workspace's own kill switch (ADR 0042).
 */
export const PAUSE_REASONS = [
  'suspended',
  'trial_ended',
  'conversations_limit',
  'automations_halted',
] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export interface AutomationGate {
  /** The bot (scripted and LLM), campaigns and automations may act. */
  allowed: boolean;
  /** The LLM may be called (false also when `allowed` is false). */
  llm: boolean;
  reasons: PauseReason[];
  /** The monthly LLM spend limit is reached: the scripted qualifier answers instead of the LLM agent. */
  llmSpendReached: boolean;
}

const UNLIMITED: Limits = {
  members: null,
  channels: null,
  conversations: null,
  llmSpendMicros: null,
  campaignRecipients: null,
};
const DEFAULT_PLAN: Plan = { state: 'active', trialEndsAt: null, suspendedReason: null, limits: UNLIMITED };
const OPEN_GATE: AutomationGate = { allowed: true, llm: true, reasons: [], llmSpendReached: false };

const toPlan = (row: WorkspacePlanRow): Plan => ({
  state: row.state,
  trialEndsAt: row.trialEndsAt,
  suspendedReason: row.suspendedReason,
  limits: {
    members: row.maxMembers,
    channels: row.maxChannels,
    conversations: row.maxConversationsPerMonth,
    llmSpendMicros: row.maxLlmSpendMicrosPerMonth === null ? null : Number(row.maxLlmSpendMicrosPerMonth),
    campaignRecipients: row.maxCampaignRecipientsPerMonth,
  },
});

export async function findPlan(trx: TenantTransaction): Promise<Plan> {
  const row = await trx.selectFrom('workspacePlans').selectAll().executeTakeFirst();
  return row ? toPlan(row) : DEFAULT_PLAN;
}

/** Pure: what a plan and a workspace's usage allow at `now`. */
export function gateOf(plan: Plan, usage: Pick<Usage, 'conversations' | 'llmSpendMicros'>, now: Date) {
  const reasons: PauseReason[] = [];
  if (plan.state === 'suspended') reasons.push('suspended');
  if (plan.state === 'trial' && plan.trialEndsAt !== null && plan.trialEndsAt <= now)
    reasons.push('trial_ended');
  // The conversation being answered already counts: the limit-th conversation is still answered.
  if (plan.limits.conversations !== null && usage.conversations > plan.limits.conversations)
    reasons.push('conversations_limit');
  const llmSpendReached =
    plan.limits.llmSpendMicros !== null && usage.llmSpendMicros >= plan.limits.llmSpendMicros;
  const allowed = reasons.length === 0;
  return { allowed, llm: allowed && !llmSpendReached, reasons, llmSpendReached };
}

async function isHalted(trx: TenantTransaction): Promise<boolean> {
  const halt = await trx.selectFrom('automationHalts').select('tenantId').executeTakeFirst();
  return halt !== undefined;
}

/** The kill switch adds its reason to what the plan says: everything stops at once, the LLM too. */
function withHalt(gate: AutomationGate, halted: boolean): AutomationGate {
  if (!halted) return gate;
  return { ...gate, allowed: false, llm: false, reasons: [...gate.reasons, 'automations_halted'] };
}

/**
 * The one gate the bot, campaigns and outbound automations ask before acting for a workspace. Inbound
 * messages never ask it: they are always stored. A workspace without a plan row costs two indexed reads
 * (the plan, the kill switch).
 */
export async function workspaceCanAutomate(
  trx: TenantTransaction,
  now = new Date(),
): Promise<AutomationGate> {
  const halted = await isHalted(trx);
  const row = await trx.selectFrom('workspacePlans').selectAll().executeTakeFirst();
  if (!row) return withHalt(OPEN_GATE, halted);
  const plan = toPlan(row);
  const needsUsage = plan.limits.conversations !== null || plan.limits.llmSpendMicros !== null;
  const usage = needsUsage ? await measureUsage(trx, now) : { conversations: 0, llmSpendMicros: 0 };
  return withHalt(gateOf(plan, usage, now), halted);
}

/** What the dashboard's banner needs: the gate and the operator's reason for a suspension. */
export interface AutomationNotice extends AutomationGate {
  suspendedReason: string | null;
}

/** The gate with the suspension's reason, or null while nothing is paused (the common case: one read). */
export async function automationNotice(
  trx: TenantTransaction,
  now = new Date(),
): Promise<AutomationNotice | null> {
  const gate = await workspaceCanAutomate(trx, now);
  if (gate.allowed && !gate.llmSpendReached) return null;
  const plan = await findPlan(trx);
  return { ...gate, suspendedReason: plan.state === 'suspended' ? plan.suspendedReason : null };
}

const METER_TEXT: Record<'members' | 'channels', string> = {
  members: "The workspace's plan allows at most {n} members (pending invitations count)",
  channels: "The workspace's plan allows at most {n} channels",
};

/** Refuses adding one more member or channel beyond the plan's limit (403 `plan_limit_reached`). */
export async function assertPlanAllowsAnother(trx: TenantTransaction, meter: 'members' | 'channels') {
  await checkCount(trx, meter, 1);
}

/**
 * For a change already made in `trx` (a channel enabled again): refuses it, rolling the transaction back,
 * when the count is now over the plan's limit.
 */
export async function assertWithinPlan(trx: TenantTransaction, meter: 'members' | 'channels') {
  await checkCount(trx, meter, 0);
}

async function checkCount(trx: TenantTransaction, meter: 'members' | 'channels', adding: number) {
  const plan = await findPlan(trx);
  const limit = plan.limits[meter];
  if (limit === null) return;
  // Serialises concurrent additions in one workspace so two of them cannot both take the last slot.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`plan:${meter}:`} || app_current_tenant()::text, 0))`.execute(
    trx,
  );
  const usage = await measureUsage(trx, new Date());
  if (usage[meter] + adding > limit) {
    throw new AppError('plan_limit_reached', METER_TEXT[meter].replace('{n}', String(limit)));
  }
}

/**
 * For campaigns: takes `count` recipients from this month's allowance, or refuses the whole batch
 * (403 `plan_limit_reached`) when it would go over the limit or automation is paused.
 */
export async function reserveCampaignRecipients(trx: TenantTransaction, count: number, now = new Date()) {
  const gate = await workspaceCanAutomate(trx, now);
  if (!gate.allowed)
    throw new AppError('plan_limit_reached', `Campaigns are paused: ${gate.reasons.join(', ')}`);
  const plan = await findPlan(trx);
  const limit = plan.limits.campaignRecipients;
  const row = await trx
    .insertInto('workspaceUsageMonths')
    .values({ month: monthStart(now), campaignRecipients: count })
    .onConflict((oc) =>
      oc
        .columns(['tenantId', 'month'])
        .doUpdateSet({ campaignRecipients: sql`workspace_usage_months.campaign_recipients + ${count}` })
        .where(sql<boolean>`${limit}::integer is null
          or workspace_usage_months.campaign_recipients + ${count} <= ${limit}::integer`),
    )
    .returning('campaignRecipients')
    .executeTakeFirst();
  if (!row || (limit !== null && row.campaignRecipients > limit)) {
    throw new AppError('plan_limit_reached', `The plan allows ${limit} campaign recipients per month`);
  }
}

export interface MeterReading {
  meter: Meter;
  used: number;
  limit: number | null;
  /** `month`: counted from the first of the UTC month; `current`: what exists now. */
  period: 'month' | 'current';
}

export interface PlanStatus {
  plan: Plan;
  periodStart: Date;
  meters: MeterReading[];
  gate: AutomationGate;
}

/** The plan, each meter and the gate, for the usage page and the operator. */
export async function planStatus(trx: TenantTransaction, now = new Date()): Promise<PlanStatus> {
  const plan = await findPlan(trx);
  const usage = await measureUsage(trx, now);
  const reading = (meter: Meter, period: MeterReading['period']): MeterReading => ({
    meter,
    used: usage[meter],
    limit: plan.limits[meter],
    period,
  });
  return {
    plan,
    periodStart: monthStart(now),
    meters: [
      reading('members', 'current'),
      reading('channels', 'current'),
      reading('conversations', 'month'),
      reading('llmSpendMicros', 'month'),
      reading('campaignRecipients', 'month'),
    ],
    gate: withHalt(gateOf(plan, usage, now), await isHalted(trx)),
  };
}

export interface PlanInput {
  state?: PlanState | undefined;
  trialEndsAt?: Date | null | undefined;
  suspendedReason?: string | null | undefined;
  limits?: Partial<Limits> | undefined;
}

/** The instance operator changes a workspace's plan; fields left out keep their value. Audited. */
export async function changePlan(db: Db, tenantId: string, input: PlanInput): Promise<PlanStatus> {
  return withTenant(db, tenantId, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select('id').executeTakeFirst();
    if (!tenant) throw new AppError('not_found', 'Workspace not found');
    const current = await findPlan(trx);
    const state = input.state ?? current.state;
    const next: Plan = {
      state,
      trialEndsAt: state === 'trial' ? (input.trialEndsAt ?? current.trialEndsAt) : null,
      suspendedReason: state === 'suspended' ? (input.suspendedReason ?? current.suspendedReason) : null,
      limits: { ...current.limits, ...input.limits },
    };
    if (next.state === 'trial' && next.trialEndsAt === null) {
      throw new AppError('validation_failed', 'A trial needs the date it ends');
    }
    const values = {
      state: next.state,
      trialEndsAt: next.trialEndsAt,
      suspendedReason: next.suspendedReason,
      maxMembers: next.limits.members,
      maxChannels: next.limits.channels,
      maxConversationsPerMonth: next.limits.conversations,
      maxLlmSpendMicrosPerMonth: next.limits.llmSpendMicros,
      maxCampaignRecipientsPerMonth: next.limits.campaignRecipients,
    };
    await trx
      .insertInto('workspacePlans')
      .values(values)
      .onConflict((oc) => oc.column('tenantId').doUpdateSet({ ...values, updatedAt: sql`now()` }))
      .execute();
    await recordAudit(trx, {
      action: 'plan.changed',
      tenantId,
      context: null,
      detail: {
        state: next.state,
        trialEndsAt: next.trialEndsAt?.toISOString() ?? null,
        limits: { ...next.limits },
      },
    });
    return planStatus(trx);
  });
}

export async function readPlanStatus(db: Db, tenantId: string): Promise<PlanStatus> {
  return withTenant(db, tenantId, async (trx) => {
    const tenant = await trx.selectFrom('tenants').select('id').executeTakeFirst();
    if (!tenant) throw new AppError('not_found', 'Workspace not found');
    return planStatus(trx);
  });
}
