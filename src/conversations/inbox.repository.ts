import { type Expression, type SqlBool, sql } from 'kysely';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { PageCursor } from '../platform/http/cursor.js';
import type { Conversation, Ownership } from './conversations.table.js';
import type { MessageAuthor, MessageDirection } from './messages.table.js';

/** Unread counts stop here: an index range of at most this many rows per conversation, never a scan. */
export const UNREAD_COUNT_CAP = 100;

export type InboxFilter = 'open' | 'mine' | 'unassigned' | 'bot' | 'human' | 'closed' | 'snoozed';

/** A conversation as the inbox shows it: its contact, assignee, last message and the viewer's unread count. */
export type InboxRow = Conversation & {
  contactPhoneE164: string;
  contactDisplayName: string | null;
  contactFirstName: string | null;
  contactLastName: string | null;
  contactCompany: string | null;
  contactEmail: string | null;
  assigneeEmail: string | null;
  assigneeDisplayName: string | null;
  lastText: string | null;
  lastType: string | null;
  lastDirection: MessageDirection | null;
  lastAuthor: MessageAuthor | null;
  lastSentAt: Date | null;
  unreadCount: number;
};

export interface InboxQuery {
  /** The signed-in user whose read marks and assignments count; null for an API key. */
  viewerUserId: string | null;
  limit: number;
  after?: PageCursor | undefined;
  filter?: InboxFilter | undefined;
  ownership?: Ownership | undefined;
  labelId?: string | undefined;
  /** Lower-case substring of the contact's names, e-mail, company or phone digits. */
  search?: string | undefined;
  /** Only conversations of these contacts (a search's candidates). */
  contactIds?: readonly string[] | undefined;
  /** Look at no more than this many conversations (in inbox order) for the page. */
  scanLimit?: number | undefined;
  id?: string | undefined;
  contactId?: string | undefined;
}

function unreadCount(viewerUserId: string | null) {
  if (!viewerUserId) return sql<number>`0`;
  // Our receive time, not Meta's: a message delivered late must not count as read already.
  return sql<number>`(
    select count(*)::int from (
      select 1 from messages m
      where m.conversation_id = c.id and m.direction = 'inbound'
        and m.created_at > coalesce(
          (select r.read_at from conversation_reads r where r.conversation_id = c.id and r.user_id = ${viewerUserId}),
          '-infinity')
      limit ${UNREAD_COUNT_CAP}
    ) unread)`;
}

/**
 * The page's conversations, chosen on `conversations` alone (filters, search text copy, keyset) in inbox
 * order and limited, so the joins that dress them (contact, last message, unread count) run for one page
 * only. With `scanLimit`, only that many conversations in inbox order are considered at all.
 */
function scope(trx: TenantTransaction, query: InboxQuery) {
  let select = trx.selectFrom('conversations as c').selectAll('c');
  if (query.id) select = select.where('c.id', '=', query.id);
  if (query.filter) select = select.where(filterCondition(query.filter, query.viewerUserId));
  if (query.ownership) select = select.where('c.ownership', '=', query.ownership);
  if (query.contactId) select = select.where('c.contactId', '=', query.contactId);
  if (query.contactIds) {
    select = select.where(sql<SqlBool>`c.contact_id = any(${sql.val(query.contactIds)}::uuid[])`);
  }
  if (query.labelId) {
    const labelId = query.labelId;
    select = select.where((eb) =>
      eb.exists(
        eb
          .selectFrom('conversationLabels as cl')
          .select(sql`1`.as('one'))
          .whereRef('cl.conversationId', '=', 'c.id')
          .where('cl.labelId', '=', labelId),
      ),
    );
  }
  const after = query.after;
  if (after) {
    select = select.where(
      sql<SqlBool>`(c.activity_at, c.id) < (${after.at}::timestamptz, ${after.id}::uuid)`,
    );
  }
  const inOrder = <T extends typeof select>(builder: T) =>
    builder.orderBy('c.activityAt', 'desc').orderBy('c.id', 'desc') as T;
  if (query.scanLimit !== undefined) {
    const window = inOrder(select).limit(query.scanLimit);
    select = trx.selectFrom(window.as('c')).selectAll('c') as unknown as typeof select;
  }
  if (query.search) select = select.where('c.searchText', 'like', likeContains(query.search));
  return inOrder(select).limit(query.limit);
}

function inboxQuery(trx: TenantTransaction, query: InboxQuery) {
  const select = trx
    .selectFrom(scope(trx, query).as('c'))
    .innerJoin('contacts as ct', 'ct.id', 'c.contactId')
    .leftJoin('users as au', 'au.id', 'c.assigneeUserId')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('messages as m')
          .select(['m.text', 'm.type', 'm.direction', 'm.author', 'm.sentAt'])
          .whereRef('m.conversationId', '=', 'c.id')
          .orderBy('m.sentAt', 'desc')
          .orderBy('m.id', 'desc')
          .limit(1)
          .as('lm'),
      (join) => join.onTrue(),
    )
    .selectAll('c')
    .select([
      'ct.phoneE164 as contactPhoneE164',
      'ct.displayName as contactDisplayName',
      'ct.firstName as contactFirstName',
      'ct.lastName as contactLastName',
      'ct.company as contactCompany',
      'ct.email as contactEmail',
      'au.email as assigneeEmail',
      'au.displayName as assigneeDisplayName',
      'lm.text as lastText',
      'lm.type as lastType',
      'lm.direction as lastDirection',
      'lm.author as lastAuthor',
      'lm.sentAt as lastSentAt',
    ])
    .select(unreadCount(query.viewerUserId).as('unreadCount'))
    .orderBy('c.activityAt', 'desc')
    .orderBy('c.id', 'desc')
    .limit(query.limit);
  return select;
}

/** `%`, `_` and `\` are LIKE's own characters: matched literally. */
export function likeContains(term: string): string {
  return `%${term.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

function filterCondition(filter: InboxFilter, viewerUserId: string | null): Expression<SqlBool> {
  // A snoozed conversation is out of every open view until its time comes (or the customer writes).
  const awake = sql<SqlBool>`(c.snoozed_until is null or c.snoozed_until <= now())`;
  switch (filter) {
    case 'open':
      return sql<SqlBool>`c.status = 'open' and ${awake}`;
    case 'closed':
      return sql<SqlBool>`c.status = 'closed'`;
    case 'snoozed':
      return sql<SqlBool>`c.status = 'open' and c.snoozed_until > now()`;
    case 'mine':
      return viewerUserId
        ? sql<SqlBool>`c.status = 'open' and ${awake} and c.assignee_user_id = ${viewerUserId}`
        : sql<SqlBool>`false`;
    case 'unassigned':
      return sql<SqlBool>`c.status = 'open' and ${awake} and c.assignee_user_id is null`;
    case 'bot':
      return sql<SqlBool>`c.status = 'open' and ${awake} and c.ownership = 'bot'`;
    // A pause is a person holding the conversation for a while: it belongs with the human ones.
    case 'human':
      return sql<SqlBool>`c.status = 'open' and ${awake} and c.ownership in ('human', 'paused')`;
  }
}

/** A parallel plan's worker start-up costs more than these bounded pages ever take. */
async function serial(trx: TenantTransaction): Promise<void> {
  await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
}

/** Most recently active first; keyset on (activity_at, id) so pages stay stable while messages arrive. */
export async function listInbox(trx: TenantTransaction, query: InboxQuery): Promise<InboxRow[]> {
  await serial(trx);
  return (await inboxQuery(trx, query).execute()) as InboxRow[];
}

/** How many rows `listInbox` would return (at most `query.limit`), without dressing any of them. */
export async function countInbox(trx: TenantTransaction, query: InboxQuery): Promise<number> {
  await serial(trx);
  const { count } = await trx
    .selectFrom(scope(trx, query).as('c'))
    .select(sql<number>`count(*)::int`.as('count'))
    .executeTakeFirstOrThrow();
  return count;
}

export async function findInboxRow(
  trx: TenantTransaction,
  viewerUserId: string | null,
  id: string,
): Promise<InboxRow | undefined> {
  return (await inboxQuery(trx, { viewerUserId, id, limit: 1 }).executeTakeFirst()) as InboxRow | undefined;
}

/**
 * Up to `limit` ids of the tenant's contacts whose names, e-mail, company or phone digits contain
 * `term` (lower case). Through `inbox_contact_search`, so the trigram index serves it (see the migration).
 */
export async function searchContactIds(
  trx: TenantTransaction,
  term: string,
  limit: number,
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select inbox_contact_search(${likeContains(term)}, ${limit}) as id`.execute(trx);
  return rows.map((row) => row.id);
}

/**
 * What a search box's text is matched as: a phone number typed any way (`+39 333-12`) becomes its digits,
 * as the haystack holds them; anything else is matched lower-case with inner whitespace collapsed.
 */
export function inboxSearchTerm(q: string): string {
  const trimmed = q.trim();
  if (/^[+\d\s().-]+$/.test(trimmed) && /\d/.test(trimmed)) return trimmed.replace(/\D/g, '');
  return trimmed.replace(/\s+/g, ' ').toLowerCase();
}
