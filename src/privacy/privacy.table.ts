import type { ColumnType, Generated, Selectable } from 'kysely';

export interface RetentionPoliciesTable {
  tenantId: ColumnType<string, string | undefined, never>;
  messagesDays: number | null;
  mediaDays: number | null;
  webhookEventsDays: number | null;
  callRecordsDays: number | null;
  llmCallsDays: number | null;
  closedConversationsDays: number | null;
  auditPseudonymiseDays: number | null;
  keepAcceptedQuotes: Generated<boolean>;
  updatedAt: Generated<Date>;
}
export type RetentionPolicyRow = Selectable<RetentionPoliciesTable>;

export type ErasureStatus = 'queued' | 'running' | 'done' | 'failed';

export interface PrivacyErasuresTable {
  id: Generated<string>;
  tenantId: ColumnType<string, string | undefined, never>;
  contactId: string;
  status: Generated<ErasureStatus>;
  progress: ColumnType<Record<string, number>, string | undefined, string>;
  verifiedClean: boolean | null;
  failure: string | null;
  requestedByUserId: string | null;
  createdAt: Generated<Date>;
  startedAt: Date | null;
  finishedAt: Date | null;
}
export type ErasureRow = Selectable<PrivacyErasuresTable>;

export interface PrivacySuppressionsTable {
  tenantId: ColumnType<string, string | undefined, never>;
  kind: 'phone' | 'email';
  digest: Buffer;
  createdAt: Generated<Date>;
}
