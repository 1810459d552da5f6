import { sql } from 'kysely';
import { z } from 'zod';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { AppError, type ErrorDetail } from '../../platform/http/app-error.js';
import { ZLine } from '../../platform/http/text-fields.js';
import type { CustomFieldDefinition, CustomFieldType } from './custom-fields.table.js';

export const MAX_CUSTOM_FIELDS = 50;
export const MAX_SELECT_OPTIONS = 50;
export const CUSTOM_FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/;
/** A stored value: text, a finite number, an ISO date (YYYY-MM-DD), a select option or a boolean. */
export type CustomFieldValue = string | number | boolean;

/** The workspace's custom fields, in display order: what the import, exports and CRM mappings list. */
export async function listCustomFields(trx: TenantTransaction): Promise<CustomFieldDefinition[]> {
  return trx
    .selectFrom('customFieldDefinitions')
    .selectAll()
    .orderBy('position')
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

/** The Zod schema of one field's value, built from its definition (null clears the value). */
export function valueSchema(
  definition: Pick<CustomFieldDefinition, 'type' | 'options'>,
): z.ZodType<CustomFieldValue> {
  switch (definition.type) {
    case 'text':
      return ZLine(500);
    case 'number':
      return z.number().finite().min(-1e15).max(1e15);
    case 'date':
      return z.iso.date();
    case 'boolean':
      return z.boolean();
    case 'select': {
      const [first, ...rest] = definition.options;
      return first === undefined ? z.never() : z.enum([first, ...rest]);
    }
  }
}

/** The schema of a set of values: known keys only, each checked by its field's type. */
export function valuesSchema(definitions: readonly CustomFieldDefinition[]) {
  return z.strictObject(
    Object.fromEntries(definitions.map((d) => [d.key, valueSchema(d).nullable().optional()])),
  ) as z.ZodType<Record<string, CustomFieldValue | null | undefined>>;
}

/**
 * Checks values against the workspace's definitions (unknown keys and wrong types refused, with the
 * path of each problem); returns them as stored (null: clear). For routes, the import and CRM sync.
 */
export async function validateCustomFieldValues(
  trx: TenantTransaction,
  values: unknown,
  path = 'body.customFields',
): Promise<Record<string, CustomFieldValue | null>> {
  const parsed = valuesSchema(await listCustomFields(trx)).safeParse(values);
  if (!parsed.success) {
    const details: ErrorDetail[] = parsed.error.issues.map((issue) => ({
      path: [path, ...issue.path.map(String), ...('keys' in issue ? issue.keys : [])].join('.'),
      message: issue.message,
    }));
    throw new AppError('validation_failed', 'Invalid custom field values', { details });
  }
  return Object.fromEntries(
    Object.entries(parsed.data).filter(
      (entry): entry is [string, CustomFieldValue | null] => entry[1] !== undefined,
    ),
  );
}

/** Merges checked values into a contact (null removes a key). */
export async function writeCustomFieldValues(
  trx: TenantTransaction,
  contactId: string,
  values: Record<string, CustomFieldValue | null>,
): Promise<void> {
  const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
  const cleared = Object.keys(values).filter((key) => values[key] === null);
  await trx
    .updateTable('contacts')
    .set({
      customFields: sql`(custom_fields || ${JSON.stringify(set)}::jsonb) - ${cleared}::text[]`,
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', contactId)
    .execute();
}

/** A value as a template shows it: text as is, booleans as yes/no, numbers and dates in the locale. */
function formatForTemplate(type: CustomFieldType, value: unknown, locale: string): string {
  if (value === null || value === undefined) return '';
  if (type === 'number' && typeof value === 'number') return new Intl.NumberFormat(locale).format(value);
  if (type === 'boolean') return value === true ? 'yes' : 'no';
  if (type === 'date' && typeof value === 'string') {
    const date = new Date(`${value}T00:00:00Z`);
    return Number.isNaN(date.getTime())
      ? value
      : new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
  }
  return String(value);
}

/**
 * What LiquidJS templates read as `contact.fields.<key>`: every defined field, as a pre-formatted
 * string ('' when the contact has no value), so strict variables accept any defined key.
 */
export async function templateFieldValues(
  trx: TenantTransaction,
  customFields: Record<string, unknown> | null,
  locale = 'en',
): Promise<Record<string, string>> {
  const definitions = await listCustomFields(trx);
  return Object.fromEntries(
    definitions.map((d) => [d.key, formatForTemplate(d.type, customFields?.[d.key], locale)]),
  );
}

/** Sample values for checking and previewing templates: each field's label in brackets. */
export async function sampleTemplateFields(trx: TenantTransaction): Promise<Record<string, string>> {
  return Object.fromEntries((await listCustomFields(trx)).map((d) => [d.key, `[${d.label}]`]));
}

export interface FieldInput {
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
}

function checkOptions(type: CustomFieldType, options: readonly string[]): void {
  if (type === 'select' && options.length === 0) {
    throw new AppError('validation_failed', 'A select field needs at least one option', {
      details: [{ path: 'body.options', message: 'at least one option' }],
    });
  }
  if (type !== 'select' && options.length > 0) {
    throw new AppError('validation_failed', 'Only select fields have options', {
      details: [{ path: 'body.options', message: 'only for type select' }],
    });
  }
  if (new Set(options).size !== options.length) {
    throw new AppError('validation_failed', 'Options must be different from each other', {
      details: [{ path: 'body.options', message: 'duplicate option' }],
    });
  }
}

export async function createCustomField(
  trx: TenantTransaction,
  input: FieldInput,
): Promise<CustomFieldDefinition> {
  checkOptions(input.type, input.options);
  const existing = await listCustomFields(trx);
  if (existing.length >= MAX_CUSTOM_FIELDS) {
    throw new AppError('conflict', `A workspace has at most ${MAX_CUSTOM_FIELDS} custom fields`);
  }
  if (existing.some((d) => d.key === input.key)) {
    throw new AppError('conflict', 'Another custom field already has this key');
  }
  return trx
    .insertInto('customFieldDefinitions')
    .values({ ...input, options: JSON.stringify(input.options), position: existing.length })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
    .then((row) => {
      if (!row) throw new AppError('conflict', 'Another custom field already has this key');
      return row;
    });
}

/**
 * The key and type never change (stored values and templates depend on them); the label, the position
 * and a select's options may. Removing an option leaves contacts' stored values as they are.
 */
export async function updateCustomField(
  trx: TenantTransaction,
  id: string,
  changes: { label?: string; options?: string[]; position?: number },
): Promise<CustomFieldDefinition> {
  const current = await trx
    .selectFrom('customFieldDefinitions')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw new AppError('not_found', 'Custom field not found');
  if (changes.options) checkOptions(current.type, changes.options);
  return trx
    .updateTable('customFieldDefinitions')
    .set({
      ...(changes.label !== undefined ? { label: changes.label } : {}),
      ...(changes.position !== undefined ? { position: changes.position } : {}),
      ...(changes.options !== undefined ? { options: JSON.stringify(changes.options) } : {}),
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes a field and its values from every contact. */
export async function deleteCustomField(trx: TenantTransaction, id: string): Promise<void> {
  const deleted = await trx
    .deleteFrom('customFieldDefinitions')
    .where('id', '=', id)
    .returning('key')
    .executeTakeFirst();
  if (!deleted) throw new AppError('not_found', 'Custom field not found');
  await trx
    .updateTable('contacts')
    .set({ customFields: sql`custom_fields - ${deleted.key}::text` })
    .where(sql<boolean>`custom_fields ? ${deleted.key}`)
    .execute();
}
