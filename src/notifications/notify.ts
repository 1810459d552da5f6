import { sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { publishInboxEvents } from '../realtime/inbox-events.js';
import type { NotificationKind, NotificationSubjectType } from './notifications.table.js';

export type { NotificationKind, NotificationSubjectType } from './notifications.table.js';

export interface NotificationRequest {
  kind: NotificationKind;
  userIds: string[];
  subject: { type: NotificationSubjectType; id: string };
  /** One line a member reads in the bell's list and in a browser notification (at most 200 characters). */
  title: string;
  /** The same event notified twice (a retried job, a re-run producer) is recorded once per member. */
  dedupeKey: string;
}

const MAX_TITLE = 200;
const MAX_DEDUPE_KEY = 200;

/**
 * Records an in-app notification for each recipient (deduplicated by `dedupeKey` per user) and publishes it
 * live. Call inside the caller's transaction: the rows and the live event exist only if it commits.
 *
 * Recipients who are not members of the workspace are skipped (a producer's list may be stale), and so is
 * a member who turned this kind off both in-app and in the browser. Never throws for a recipient: a
 * notification must not fail the business change that caused it.
 */
export async function notify(trx: TenantTransaction, n: NotificationRequest): Promise<void> {
  const userIds = [...new Set(n.userIds)];
  if (userIds.length === 0) return;
  const title = truncate(n.title.trim() || n.kind, MAX_TITLE);
  const dedupeKey = truncate(n.dedupeKey, MAX_DEDUPE_KEY);
  const inserted = await sql<{ id: string; userId: string }>`
    insert into notifications (user_id, kind, subject_type, subject_id, title, dedupe_key, in_app, browser)
    select m.user_id, ${n.kind}, ${n.subject.type}, ${n.subject.id}::uuid, ${title}, ${dedupeKey},
           coalesce(p.in_app, true), coalesce(p.browser, true)
      from memberships m
      left join notification_preferences p on p.user_id = m.user_id and p.kind = ${n.kind}
     where m.user_id = any(${userIds}::uuid[])
       and (p.user_id is null or p.in_app or p.browser)
    on conflict (tenant_id, user_id, dedupe_key) do nothing
    returning id, user_id as "userId"`.execute(trx);
  await publishInboxEvents(
    trx,
    inserted.rows.map((row) => ({
      type: 'notification.created' as const,
      userId: row.userId,
      notificationId: row.id,
    })),
  );
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
