import { type ExpressionBuilder, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { z } from 'zod';
import { CONTACT_SOURCES } from '../contacts/contacts.table.js';
import { CUSTOM_FIELD_KEY } from '../contacts/custom-fields/custom-fields.js';
import { likeContains } from '../conversations/inbox.repository.js';
import type { Database } from '../platform/db/schema.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { ZLine } from '../platform/http/text-fields.js';

/**
 * A segment's filter: every condition present must hold (AND); an empty filter is every contact. The
 * filter is data, never SQL: `segmentContactIds` compiles it with Kysely, every value a bound parameter
 * and every operator picked from a fixed list (ADR 0040).
 */

const ZFieldKey = z.string().regex(CUSTOM_FIELD_KEY, 'a custom field key: a-z, 0-9 and _, at most 40');
const ZNumber = z.number().finite().min(-1e15).max(1e15);
// PostgreSQL's timestamptz and JavaScript agree on years 1900-9999; anything else is a 400, not a 500.
const ZInstant = z.iso.datetime({ offset: true }).refine((value) => {
  const time = Date.parse(value);
  return time >= Date.UTC(1900, 0, 1) && time < Date.UTC(10000, 0, 1);
}, 'a date-time between 1900 and 9999');
const ZDate = z.iso.date().refine((value) => value >= '1900-01-01', 'a date from 1900');

export const NUMBER_OPS = ['gt', 'gte', 'lt', 'lte'] as const;
export const DATE_OPS = ['before', 'after'] as const;

/** One custom field condition; which operators fit which field type is checked by `checkSegmentFilter`. */
export const fieldConditionSchema = z.discriminatedUnion('op', [
  z.strictObject({
    key: ZFieldKey,
    op: z.literal('equals'),
    value: z.union([ZLine(500), ZNumber, z.boolean()]),
  }),
  z.strictObject({ key: ZFieldKey, op: z.literal('contains'), value: ZLine(200).pipe(z.string().min(1)) }),
  z.strictObject({ key: ZFieldKey, op: z.literal('empty') }),
  z.strictObject({ key: ZFieldKey, op: z.literal('not_empty') }),
  z.strictObject({ key: ZFieldKey, op: z.enum(NUMBER_OPS), value: ZNumber }),
  z.strictObject({ key: ZFieldKey, op: z.enum(DATE_OPS), value: ZDate }),
]);
export type FieldCondition = z.infer<typeof fieldConditionSchema>;

/**
 * The time of the contact's last message: `any` direction, the customer's (`inbound`) or ours (`outbound`).
 * Bounds: `after`/`withinDays` (at or after), `before`/`olderThanDays` (strictly before); a contact without
 * any such message matches none of them.
 */
export const lastActivitySchema = z
  .strictObject({
    direction: z.enum(['any', 'inbound', 'outbound']),
    after: ZInstant.optional(),
    before: ZInstant.optional(),
    withinDays: z.int().min(1).max(3650).optional(),
    olderThanDays: z.int().min(1).max(3650).optional(),
  })
  .refine(
    (value) =>
      value.after !== undefined ||
      value.before !== undefined ||
      value.withinDays !== undefined ||
      value.olderThanDays !== undefined,
    'give at least one of after, before, withinDays, olderThanDays',
  );

export const segmentFilterSchema = z
  .strictObject({
    /** Labels of the contact's conversations: any of them, or all of them. */
    labels: z
      .strictObject({ match: z.enum(['any', 'all']), labelIds: z.array(z.uuid()).min(1).max(20) })
      .optional(),
    /** Pipeline stages (a contact without a stage is in the first one). */
    stageIds: z.array(z.uuid()).min(1).max(50).optional(),
    fields: z.array(fieldConditionSchema).min(1).max(20).optional(),
    sources: z.array(z.enum(CONTACT_SOURCES)).min(1).max(CONTACT_SOURCES.length).optional(),
    lastActivity: lastActivitySchema.optional(),
    /** Contacts an import created or updated (`importChange` narrows to one of the two). */
    importId: z.uuid().optional(),
    importChange: z.enum(['created', 'updated']).optional(),
  })
  .refine((value) => value.importChange === undefined || value.importId !== undefined, {
    message: 'importChange needs importId',
    path: ['importChange'],
  })
  .meta({ id: 'SegmentFilter' });
export type SegmentFilter = z.infer<typeof segmentFilterSchema>;

type ContactsEb = ExpressionBuilder<Database, 'contacts'>;

const CUSTOM_FIELDS = sql.ref('contacts.custom_fields');

/** The field's value as text when it is stored as `jsonType`, else null (so a cast can never fail). */
function fieldAs(key: string, jsonType: 'string' | 'number') {
  return sql`case when jsonb_typeof(${CUSTOM_FIELDS} -> ${key}::text) = ${jsonType}::text then ${CUSTOM_FIELDS} ->> ${key}::text end`;
}

function fieldCondition(eb: ContactsEb, condition: FieldCondition) {
  switch (condition.op) {
    case 'equals':
      // Containment uses the GIN index on custom_fields.
      return sql<SqlBool>`${CUSTOM_FIELDS} @> ${JSON.stringify({ [condition.key]: condition.value })}::jsonb`;
    case 'contains':
      return eb(fieldAs(condition.key, 'string'), 'ilike', likeContains(condition.value));
    case 'empty':
      return sql<SqlBool>`coalesce(${CUSTOM_FIELDS} ->> ${condition.key}::text, '') = ''`;
    case 'not_empty':
      return sql<SqlBool>`coalesce(${CUSTOM_FIELDS} ->> ${condition.key}::text, '') <> ''`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const op = ({ gt: '>', gte: '>=', lt: '<', lte: '<=' } as const)[condition.op];
      return eb(sql`(${fieldAs(condition.key, 'number')})::numeric`, op, sql`${condition.value}::numeric`);
    }
    case 'before':
    case 'after':
      // Dates are stored as YYYY-MM-DD: text order is date order.
      return eb(
        fieldAs(condition.key, 'string'),
        condition.op === 'before' ? '<' : '>',
        sql`${condition.value}::text`,
      );
  }
}

/** The time of the contact's last message in `direction` (null when there is none). */
function lastMessageAt(eb: ContactsEb, direction: 'any' | 'inbound' | 'outbound') {
  if (direction === 'outbound') {
    return eb
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversationId')
      .select((inner) => inner.fn.max('m.sentAt').as('at'))
      .whereRef('c.contactId', '=', 'contacts.id')
      .where('m.direction', '=', 'outbound');
  }
  const column = direction === 'inbound' ? 'c.lastInboundAt' : 'c.lastMessageAt';
  return eb
    .selectFrom('conversations as c')
    .select((inner) => inner.fn.max(column).as('at'))
    .whereRef('c.contactId', '=', 'contacts.id');
}

function lastActivityConditions(eb: ContactsEb, activity: NonNullable<SegmentFilter['lastActivity']>) {
  const at = lastMessageAt(eb, activity.direction);
  const bounds: RawBuilder<SqlBool>[] = [];
  if (activity.after) bounds.push(sql`(${at}) >= ${activity.after}::timestamptz`);
  if (activity.before) bounds.push(sql`(${at}) < ${activity.before}::timestamptz`);
  if (activity.withinDays !== undefined) {
    bounds.push(sql`(${at}) >= now() - make_interval(days => ${activity.withinDays}::int)`);
  }
  if (activity.olderThanDays !== undefined) {
    bounds.push(sql`(${at}) < now() - make_interval(days => ${activity.olderThanDays}::int)`);
  }
  return eb.and(bounds);
}

function labelCondition(eb: ContactsEb, labelIds: readonly string[]) {
  return eb.exists(
    eb
      .selectFrom('conversations as c')
      .innerJoin('conversationLabels as cl', 'cl.conversationId', 'c.id')
      .select(sql`1`.as('one'))
      .whereRef('c.contactId', '=', 'contacts.id')
      .where('cl.labelId', 'in', labelIds),
  );
}

function stageCondition(eb: ContactsEb, stageIds: readonly string[]) {
  const firstStage = eb.selectFrom('pipelineStages').select('id').orderBy('position').orderBy('id').limit(1);
  return eb.or([
    eb('contacts.stageId', 'in', stageIds),
    eb.and([eb('contacts.stageId', 'is', null), eb(firstStage, 'in', stageIds)]),
  ]);
}

function importCondition(eb: ContactsEb, importId: string, change: 'created' | 'updated' | undefined) {
  let changes = eb
    .selectFrom('contactImportChanges as x')
    .select(sql`1`.as('one'))
    .where('x.importId', '=', importId)
    .whereRef('x.contactId', '=', 'contacts.id');
  if (change) changes = changes.where('x.created', '=', change === 'created');
  return eb.exists(changes);
}

/** Every condition of the filter, for a query over `contacts`. */
export function segmentConditions(eb: ContactsEb, filter: SegmentFilter) {
  const conditions = [];
  if (filter.labels) {
    const { match, labelIds } = filter.labels;
    if (match === 'any') conditions.push(labelCondition(eb, labelIds));
    else for (const labelId of new Set(labelIds)) conditions.push(labelCondition(eb, [labelId]));
  }
  if (filter.stageIds) conditions.push(stageCondition(eb, filter.stageIds));
  for (const condition of filter.fields ?? []) conditions.push(fieldCondition(eb, condition));
  if (filter.sources) conditions.push(eb('contacts.source', 'in', filter.sources));
  if (filter.lastActivity) conditions.push(lastActivityConditions(eb, filter.lastActivity));
  if (filter.importId) conditions.push(importCondition(eb, filter.importId, filter.importChange));
  return eb.and(conditions);
}

/** A Kysely subquery selecting `contact_id` (column alias contactId) of every contact the filter matches. */
export function segmentContactIds(
  trx: TenantTransaction,
  filter: SegmentFilter,
  // biome-ignore lint/suspicious/noExplicitAny: the contract's shape: usable in any `in (...)` or insert-select
): SelectQueryBuilder<any, any, { contactId: string }> {
  return trx
    .selectFrom('contacts')
    .select('contacts.id as contactId')
    .where((eb) => segmentConditions(eb, filter));
}

/** A stored filter read back through the schema (a row written by an older version is refused, not run). */
export function parseStoredFilter(value: unknown): SegmentFilter {
  const parsed = segmentFilterSchema.safeParse(value);
  if (!parsed.success)
    throw new AppError('conflict', 'This segment was saved in a form this version cannot read');
  return parsed.data;
}

export async function loadSegment(
  trx: TenantTransaction,
  segmentId: string,
): Promise<{ id: string; name: string; filter: SegmentFilter }> {
  const row = await trx
    .selectFrom('segments')
    .select(['id', 'name', 'filter'])
    .where('id', '=', segmentId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'Segment not found');
  return { id: row.id, name: row.name, filter: parseStoredFilter(row.filter) };
}
