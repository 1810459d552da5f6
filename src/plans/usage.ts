import { sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/** The first instant of `now`'s UTC month: every monthly meter counts from here. */
export function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export interface Usage {
  /** Members plus invitations still pending (each may become a member). */
  members: number;
  /** WhatsApp channels (enabled) plus a connected Twilio account. */
  channels: number;
  /** Conversations whose row was created this UTC month. */
  conversations: number;
  /** Estimated LLM cost this UTC month, in millionths of a dollar (the LLM budget's month window). */
  llmSpendMicros: number;
  campaignRecipients: number;
}

/**
 * Counts the workspace's use from its real rows, in one round trip. Channel tables are read by name: the
 * plans domain does not import channel modules.
 */
export async function measureUsage(trx: TenantTransaction, now: Date): Promise<Usage> {
  const month = monthStart(now);
  const { rows } = await sql<{
    members: number;
    channels: number;
    conversations: number;
    llm: string | null;
    campaign: number | null;
  }>`
    select
      (select count(*)::int from memberships)
        + (select count(*)::int from invitations
           where accepted_at is null and revoked_at is null and expires_at > now()) as members,
      (select count(*)::int from whatsapp_channels where disabled_at is null)
        + (select count(*)::int from twilio_connections) as channels,
      (select count(*)::int from conversations where created_at >= ${month}) as conversations,
      (select cost_micros::text from llm_budget_windows where kind = 'month' and starts_at = ${month}) as llm,
      (select campaign_recipients from workspace_usage_months where month = ${month}) as campaign`.execute(
    trx,
  );
  const row = rows[0];
  return {
    members: row?.members ?? 0,
    channels: row?.channels ?? 0,
    conversations: row?.conversations ?? 0,
    llmSpendMicros: Number(row?.llm ?? 0),
    campaignRecipients: row?.campaign ?? 0,
  };
}
