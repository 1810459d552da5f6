import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import { listCustomFields, valueSchema } from '../contacts/custom-fields/custom-fields.js';
import type { CustomFieldType } from '../contacts/custom-fields/custom-fields.table.js';
import type { Db } from '../platform/db/database.js';
import { conflictOnDuplicate } from '../platform/db/errors.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError, type ErrorDetail } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import {
  DATE_OPS,
  type FieldCondition,
  NUMBER_OPS,
  parseStoredFilter,
  type SegmentFilter,
} from './audience.js';
import {
  type AudienceChannel,
  type AudiencePreview,
  audiencePreview,
  audienceSample,
  type SampleContact,
} from './eligibility.js';

export interface SegmentView {
  id: string;
  name: string;
  filter: SegmentFilter;
  createdByUserId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Which operators fit which custom field type (the compiler itself is type-agnostic and never fails). */
function operatorFits(type: CustomFieldType, op: FieldCondition['op']): boolean {
  if (op === 'equals' || op === 'empty' || op === 'not_empty') return true;
  if (op === 'contains') return type === 'text';
  if ((NUMBER_OPS as readonly string[]).includes(op)) return type === 'number';
  if ((DATE_OPS as readonly string[]).includes(op)) return type === 'date';
  return false;
}

/**
 * Checks a filter against the workspace: custom fields exist and each operator and value fits the field's
 * type; labels, stages and the import are the workspace's own (another workspace's id is unknown here).
 */
export async function checkSegmentFilter(
  trx: TenantTransaction,
  filter: SegmentFilter,
  path = 'body.filter',
): Promise<void> {
  const details: ErrorDetail[] = [];
  if (filter.fields) {
    const definitions = new Map((await listCustomFields(trx)).map((d) => [d.key, d]));
    filter.fields.forEach((condition, index) => {
      const at = `${path}.fields.${index}`;
      const definition = definitions.get(condition.key);
      if (!definition) {
        details.push({ path: `${at}.key`, message: `No custom field has the key "${condition.key}"` });
      } else if (!operatorFits(definition.type, condition.op)) {
        details.push({
          path: `${at}.op`,
          message: `"${condition.op}" does not apply to a ${definition.type} field`,
        });
      } else if (condition.op === 'equals' && !valueSchema(definition).safeParse(condition.value).success) {
        details.push({ path: `${at}.value`, message: `The value does not fit the ${definition.type} field` });
      }
    });
  }
  const known = async (table: 'labels' | 'pipelineStages', ids: readonly string[]) =>
    new Set((await trx.selectFrom(table).select('id').where('id', 'in', ids).execute()).map((row) => row.id));
  if (filter.labels) {
    const found = await known('labels', filter.labels.labelIds);
    filter.labels.labelIds.forEach((id, index) => {
      if (!found.has(id))
        details.push({ path: `${path}.labels.labelIds.${index}`, message: 'Unknown label' });
    });
  }
  if (filter.stageIds) {
    const found = await known('pipelineStages', filter.stageIds);
    filter.stageIds.forEach((id, index) => {
      if (!found.has(id))
        details.push({ path: `${path}.stageIds.${index}`, message: 'Unknown pipeline stage' });
    });
  }
  if (filter.importId) {
    const found = await trx
      .selectFrom('contactImports')
      .select('id')
      .where('id', '=', filter.importId)
      .executeTakeFirst();
    if (!found) details.push({ path: `${path}.importId`, message: 'Unknown import' });
  }
  if (details.length > 0)
    throw new AppError('validation_failed', 'The segment filter does not fit this workspace', { details });
}

function toView(row: {
  id: string;
  name: string;
  filter: unknown;
  createdByUserId: string | null;
  createdAt: Date;
  updatedAt: Date;
}): SegmentView {
  return { ...row, filter: parseStoredFilter(row.filter) };
}

const nameTaken = conflictOnDuplicate('A segment with this name exists already');

// The filter names labels, stages and fields, not people: the audit entry keeps the name and id only.
async function audit(
  trx: TenantTransaction,
  tenantId: string,
  actor: Actor,
  action: string,
  segment: SegmentView,
) {
  await auditChange(trx, tenantId, actor, action, { segmentId: segment.id, name: segment.name });
}

export async function listSegments(
  db: Db,
  tenantId: string,
  query: { limit: number; after?: PageCursor | undefined },
): Promise<Page<SegmentView>> {
  return withTenant(db, tenantId, async (trx) => {
    let select = trx.selectFrom('segments').selectAll();
    if (query.after) {
      const { at, id } = query.after;
      select = select.where((eb) =>
        eb.or([eb('createdAt', '<', at), eb.and([eb('createdAt', '=', at), eb('id', '<', id)])]),
      );
    }
    const rows = await select
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return pageOf(rows.map(toView), query.limit, (row) => ({ at: row.createdAt, id: row.id }));
  });
}

export async function getSegment(db: Db, tenantId: string, id: string): Promise<SegmentView> {
  return withTenant(db, tenantId, async (trx) => {
    const row = await trx.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'Segment not found');
    return toView(row);
  });
}

export async function createSegment(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: { name: string; filter: SegmentFilter },
): Promise<SegmentView> {
  return withTenant(db, tenantId, async (trx) => {
    await checkSegmentFilter(trx, input.filter);
    const row = await trx
      .insertInto('segments')
      .values({ name: input.name, filter: JSON.stringify(input.filter), createdByUserId: actor.userId })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(nameTaken);
    const segment = toView(row);
    await audit(trx, tenantId, actor, 'segment.created', segment);
    return segment;
  });
}

export async function updateSegment(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  changes: { name?: string | undefined; filter?: SegmentFilter | undefined },
): Promise<SegmentView> {
  return withTenant(db, tenantId, async (trx) => {
    if (changes.filter) await checkSegmentFilter(trx, changes.filter);
    const row = await trx
      .updateTable('segments')
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.filter ? { filter: JSON.stringify(changes.filter) } : {}),
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
      .catch(nameTaken);
    if (!row) throw new AppError('not_found', 'Segment not found');
    const segment = toView(row);
    await audit(trx, tenantId, actor, 'segment.updated', segment);
    return segment;
  });
}

export async function deleteSegment(db: Db, tenantId: string, actor: Actor, id: string): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const row = await trx
      .deleteFrom('segments')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        // A campaign that names the segment keeps it (its foreign key refuses the delete).
        if ((error as { code?: unknown }).code === '23503') {
          throw new AppError('conflict', 'A campaign uses this segment; it cannot be deleted', {
            cause: error,
          });
        }
        throw error;
      });
    if (!row) throw new AppError('not_found', 'Segment not found');
    await audit(trx, tenantId, actor, 'segment.deleted', toView(row));
  });
}

export interface SegmentPreview extends AudiencePreview {
  sample: SampleContact[];
}

/** The live preview of the builder: counts by exclusion reason and the first contacts, each with its verdict. */
export async function previewSegment(
  db: Db,
  tenantId: string,
  input: { filter: SegmentFilter; channel: AudienceChannel; sampleSize: number },
): Promise<SegmentPreview> {
  return withTenant(db, tenantId, async (trx) => {
    await checkSegmentFilter(trx, input.filter);
    const counts = await audiencePreview(trx, input.filter, input.channel);
    const sample = await audienceSample(trx, input.filter, input.channel, input.sampleSize);
    return { ...counts, sample };
  });
}
