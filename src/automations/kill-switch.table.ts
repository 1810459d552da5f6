import type { ColumnType, Generated, Selectable } from 'kysely';

/** The workspace's kill switch, pulled: one row while the bot, campaigns and automations are stopped. */
export interface AutomationHaltsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  haltedAt: Generated<Date>;
  haltedByUserId: string | null;
  reason: string | null;
}
export type AutomationHalt = Selectable<AutomationHaltsTable>;
