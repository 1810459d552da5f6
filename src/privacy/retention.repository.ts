import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { RetentionKind } from './registry.js';

export type RetentionDays = Record<RetentionKind, number | null>;

export interface RetentionPolicy {
  /** Days after which each kind of data goes; null keeps it until it is erased. */
  readonly days: RetentionDays;
  /** An erased contact's accepted quotes keep their amounts, without personal data (legal hold). */
  readonly keepAcceptedQuotes: boolean;
}

/** What a workspace that never changed its policy gets: raw provider payloads are short-lived. */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({
  days: Object.freeze({
    messages: null,
    media: null,
    webhookEvents: 30,
    callRecords: null,
    llmCalls: 365,
    closedConversations: null,
    auditPseudonymise: 365,
  }),
  keepAcceptedQuotes: true,
});

export async function retentionPolicy(trx: TenantTransaction): Promise<RetentionPolicy> {
  const row = await trx.selectFrom('retentionPolicies').selectAll().executeTakeFirst();
  if (!row) return DEFAULT_RETENTION;
  return {
    days: {
      messages: row.messagesDays,
      media: row.mediaDays,
      webhookEvents: row.webhookEventsDays,
      callRecords: row.callRecordsDays,
      llmCalls: row.llmCallsDays,
      closedConversations: row.closedConversationsDays,
      auditPseudonymise: row.auditPseudonymiseDays,
    },
    keepAcceptedQuotes: row.keepAcceptedQuotes,
  };
}

export async function saveRetentionPolicy(trx: TenantTransaction, policy: RetentionPolicy): Promise<void> {
  const values = {
    messagesDays: policy.days.messages,
    mediaDays: policy.days.media,
    webhookEventsDays: policy.days.webhookEvents,
    callRecordsDays: policy.days.callRecords,
    llmCallsDays: policy.days.llmCalls,
    closedConversationsDays: policy.days.closedConversations,
    auditPseudonymiseDays: policy.days.auditPseudonymise,
    keepAcceptedQuotes: policy.keepAcceptedQuotes,
    updatedAt: new Date(),
  };
  await trx
    .insertInto('retentionPolicies')
    .values(values)
    .onConflict((oc) => oc.column('tenantId').doUpdateSet(values))
    .execute();
}
