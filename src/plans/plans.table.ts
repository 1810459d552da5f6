import type { ColumnType, Generated, Selectable } from 'kysely';

export type PlanState = 'trial' | 'active' | 'suspended';

/** A workspace's plan, set by the instance operator (no row: active and unlimited). Null limit: unlimited. */
export interface WorkspacePlansTable {
  tenantId: ColumnType<string, string | undefined, never>;
  state: Generated<PlanState>;
  trialEndsAt: Date | null;
  suspendedReason: string | null;
  maxMembers: number | null;
  maxChannels: number | null;
  maxConversationsPerMonth: number | null;
  maxLlmSpendMicrosPerMonth: ColumnType<string | null, number | null, number | null>;
  maxCampaignRecipientsPerMonth: number | null;
  updatedAt: Generated<Date>;
}
export type WorkspacePlanRow = Selectable<WorkspacePlansTable>;

/** Per-month counters of what no table of its own records (campaign recipients sent). */
export interface WorkspaceUsageMonthsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  month: Date;
  campaignRecipients: Generated<number>;
}

/** The last retention run of a workspace: when, and how many rows of each kind it removed. */
export interface RetentionRunsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  ranAt: Date;
  removed: ColumnType<Record<string, number>, string, string>;
}
