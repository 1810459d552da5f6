import type { CellCheck, ImportTargetProvider, SqlRunner, StagedValue } from '../import/import-targets.js';
import { normaliseHeader, parseYesNo } from '../import/import-targets.js';
import { valueSchema } from './custom-fields.js';
import type { CustomFieldType } from './custom-fields.table.js';

const PREFIX = 'custom:';

interface Definition {
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
}

async function definitions(run: SqlRunner): Promise<Definition[]> {
  const rows = await run(
    'select key, label, type, options from custom_field_definitions order by position, created_at, id',
  );
  return rows as unknown as Definition[];
}

/** A number as spreadsheets write it: `1234.5`, `1234,5`, `1.234,5`, `1,234.5`, `1 234` (no currency). */
function parseNumber(raw: string): number | undefined {
  const compact = raw.replace(/[\s\u00a0']/g, '');
  let normal = compact;
  if (/^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(compact)) normal = compact.replace(/\./g, '').replace(',', '.');
  else if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(compact)) normal = compact.replace(/,/g, '');
  else if (/^-?\d+,\d+$/.test(compact)) normal = compact.replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(normal)) return undefined;
  return Number(normal);
}

/** A date as ISO (2026-12-07) or day first (07/12/2026, 7.12.2026), as it, pt and es write it. */
function parseDate(raw: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) return raw;
  const dayFirst = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(raw);
  if (!dayFirst) return undefined;
  const [, day, month, year] = dayFirst;
  return `${year}-${month?.padStart(2, '0')}-${day?.padStart(2, '0')}`;
}

function candidate(definition: Definition, raw: string): StagedValue | undefined {
  switch (definition.type) {
    case 'text':
      return raw.includes('\uFFFD') ? undefined : raw;
    case 'number':
      return parseNumber(raw);
    case 'date':
      return parseDate(raw);
    case 'boolean':
      return parseYesNo(raw);
    case 'select': {
      const wanted = normaliseHeader(raw);
      return definition.options.find((option) => normaliseHeader(option) === wanted);
    }
  }
}

const EXPECTED: Record<CustomFieldType, string> = {
  text: 'a single line of at most 500 characters',
  number: 'a number',
  date: 'a date (YYYY-MM-DD or DD/MM/YYYY)',
  boolean: 'yes or no',
  select: 'one of its options',
};

/** Typed cell check: parsed for the field's type, then validated by the same schema as the API's values. */
export function checkCustomFieldCell(definition: Definition, raw: string): CellCheck {
  const value = candidate(definition, raw);
  const parsed = value === undefined ? undefined : valueSchema(definition).safeParse(value);
  if (!parsed?.success) return { reject: `${definition.label}: expected ${EXPECTED[definition.type]}` };
  return { value: parsed.data };
}

/**
 * Custom fields as import targets (`custom:<key>`). Values are merged into `contacts.custom_fields` in
 * one statement per chunk: new contacts get them; with `fill` only keys the contact lacks are set, with
 * `overwrite` the file's values win (an empty cell never erases); `skip` leaves existing contacts alone.
 * The contact's previous custom fields join its before-image, so undo restores them.
 */
export const customFieldImportProvider: ImportTargetProvider = {
  prefix: PREFIX,
  async targets(run) {
    return (await definitions(run)).map((d) => ({
      key: `${PREFIX}${d.key}`,
      label: d.label,
      synonyms: [d.key, d.label.toLowerCase()],
    }));
  },
  async prepare(run, keys) {
    const byKey = new Map((await definitions(run)).map((d) => [`${PREFIX}${d.key}`, d]));
    return (key, raw) => {
      const definition = byKey.get(key);
      if (!definition || !keys.includes(key)) return { reject: 'the custom field no longer exists' };
      return checkCustomFieldCell(definition, raw);
    };
  },
  async apply(run, importId, policy) {
    const rows = await run(
      `with vals as (
         select o.contact_id, o.action,
           (select jsonb_object_agg(substr(e.key, ${PREFIX.length + 1}), e.value)
              from jsonb_each(s.extra) e where starts_with(e.key, '${PREFIX}')) as v
         from import_outcome o join import_stage s on s.line = o.line
         where o.action in ('create', 'update')
       ),
       changed as (
         select c.id, v.action, c.first_name, c.last_name, c.company, c.email, c.custom_fields as old,
           case when $2 = 'fill' then v.v || c.custom_fields else c.custom_fields || v.v end as new
         from vals v join contacts c on c.id = v.contact_id
         where v.v is not null
       ),
       updated as (
         update contacts c set custom_fields = ch.new, updated_at = now()
         from changed ch where c.id = ch.id and ch.new is distinct from ch.old
         returning c.id
       )
       insert into contact_import_changes (import_id, contact_id, created, before)
       select $1, ch.id, false, jsonb_build_object('firstName', ch.first_name, 'lastName', ch.last_name,
         'company', ch.company, 'email', ch.email, 'customFields', ch.old)
       from changed ch join updated u on u.id = ch.id
       where ch.action = 'update'
       on conflict (import_id, contact_id) do update
         set before = contact_import_changes.before || jsonb_build_object('customFields', excluded.before -> 'customFields')
         where not contact_import_changes.created
       returning (xmax = 0) as inserted`,
      [importId, policy],
    );
    return rows.filter((row) => row.inserted === true).length;
  },
};
