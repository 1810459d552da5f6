import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import type { Variant } from './funnel.query.js';
import { recipientOutcomes } from './recipient-outcomes.sql.js';

export interface RecipientOutcomeRow {
  id: string;
  contactId: string;
  name: string | null;
  phoneE164: string | null;
  variant: Variant;
  status: string;
  skipReason: string | null;
  errorCode: string | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  repliedAt: Date | null;
  delivered: boolean;
  read: boolean;
  replied: boolean;
  qualified: boolean;
  quoted: boolean;
  won: boolean;
}

/**
 * One keyset page of a campaign's recipients (by recipient id) with the stages each reached and the
 * contact's name and number (opened by the transaction's field codec where they are sealed).
 */
export async function recipientOutcomePage(
  trx: TenantTransaction,
  campaignId: string,
  after: string | null,
  limit: number,
): Promise<RecipientOutcomeRow[]> {
  const { rows } = await sql<RecipientOutcomeRow>`
    select o.id, o.contact_id, o.variant, o.status, o.skip_reason, o.error_code,
      o.sent_at, o.delivered_at, o.read_at, o.replied_at,
      o.delivered, o.read, o.replied, o.qualified, o.quoted, o.won,
      coalesce(nullif(concat_ws(' ', c.first_name, c.last_name), ''), c.display_name) as name, c.phone_e164
    from (${recipientOutcomes(campaignId)}) o
    left join contacts c on c.id = o.contact_id
    where ${after === null ? sql`true` : sql`o.id > ${after}`}
    order by o.id
    limit ${limit}`.execute(trx);
  return rows;
}
