import type { CountryCode } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { canonicalEmail } from '../../accounts/email-address.js';
import { lineProblem } from '../../platform/http/text-fields.js';
import { canonicalPhone } from '../phone.js';
import type { CellCheck, StagedValue } from './import-targets.js';

/** A CSV row after normalisation and validation, as it goes to the staging table. */
export interface StagedRow {
  line: number;
  phone: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  /** Values of provider targets (custom fields, consent), by target key. */
  extra: Record<string, StagedValue> | null;
  /** Why the row is refused, or null. */
  reject: string | null;
  /** The row's cells as read, kept only when it may be rejected (for the rejected-rows file). */
  cells: string[] | null;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;
const LIMITS = { firstName: 100, lastName: 100, company: 200 } as const;
const LABELS = { firstName: 'first name', lastName: 'last name', company: 'company' } as const;

/** Mapping (column index -> target key) compiled once into column positions. */
export interface CompiledMapping {
  phone: number[];
  email: number[];
  firstName: number[];
  lastName: number[];
  fullName: number[];
  company: number[];
  extra: [number, string][];
}

export function compileMapping(mapping: Record<string, string>): CompiledMapping {
  const compiled: CompiledMapping = {
    phone: [],
    email: [],
    firstName: [],
    lastName: [],
    fullName: [],
    company: [],
    extra: [],
  };
  for (const [column, target] of Object.entries(mapping)) {
    const index = Number(column);
    if (target in compiled && target !== 'extra')
      compiled[target as Exclude<keyof CompiledMapping, 'extra'>].push(index);
    else compiled.extra.push([index, target]);
  }
  return compiled;
}

function first(cells: readonly string[], columns: readonly number[]): string | null {
  for (const column of columns) {
    const value = cells[column]?.trim();
    if (value) return value;
  }
  return null;
}

/**
 * A phone number as typed in a spreadsheet: international (`+39 ...`, `0039 ...`) or national, read with
 * the workspace's default country. Undefined when it cannot be a number.
 */
export function importPhone(raw: string, country: CountryCode | undefined): string | undefined {
  const compact = raw.replace(/[\s().\-/]/g, '');
  if (compact.startsWith('+')) return canonicalPhone(compact)?.e164;
  if (compact.startsWith('00')) return canonicalPhone(compact.slice(2))?.e164;
  if (!country || !/^[0-9]{4,17}$/.test(compact)) return undefined;
  const parsed = parsePhoneNumberFromString(compact, country);
  if (!parsed?.isPossible()) return undefined;
  // libphonenumber's E.164 is already canonical, except for Brazil's ninth digit: parsing it a second
  // time through canonicalPhone (a cache miss for every new number) doubled the cost of a row.
  if (E164.test(parsed.number) && !parsed.number.startsWith('+55')) return parsed.number;
  return canonicalPhone(parsed.number)?.e164;
}

/** Normalises and validates one record; never throws. */
export function stageRow(
  line: number,
  cells: string[],
  mapping: CompiledMapping,
  country: CountryCode | undefined,
  checkExtra: (key: string, raw: string) => CellCheck = () => ({ reject: 'unknown column target' }),
): StagedRow {
  const row: StagedRow = {
    line,
    phone: null,
    email: null,
    firstName: first(cells, mapping.firstName),
    lastName: first(cells, mapping.lastName),
    company: first(cells, mapping.company),
    extra: null,
    reject: null,
    cells: null,
  };
  const reject = (reason: string) => {
    row.reject ??= reason;
  };
  const fullName = first(cells, mapping.fullName);
  if (fullName && !row.firstName && !row.lastName) {
    const space = fullName.indexOf(' ');
    row.firstName = space > 0 ? fullName.slice(0, space) : fullName;
    row.lastName = space > 0 ? fullName.slice(space + 1).trim() || null : null;
  }
  const rawPhone = first(cells, mapping.phone);
  if (rawPhone) {
    row.phone = importPhone(rawPhone, country) ?? null;
    if (!row.phone) reject('invalid phone number');
  }
  const rawEmail = first(cells, mapping.email);
  if (rawEmail) {
    row.email = canonicalEmail(rawEmail);
    if (!row.email) reject('invalid e-mail address');
  }
  for (const key of ['firstName', 'lastName', 'company'] as const) {
    const value = row[key];
    if (value === null) continue;
    if (value.length > LIMITS[key]) reject(`${LABELS[key]} longer than ${LIMITS[key]} characters`);
    else if (value.includes('\uFFFD'))
      reject(`${LABELS[key]} has characters that are not valid in the file's encoding`);
    else {
      const problem = lineProblem(value);
      if (problem) reject(`${LABELS[key]} ${problem}`);
    }
  }
  if (mapping.extra.length > 0) {
    for (const [column, key] of mapping.extra) {
      const value = cells[column]?.trim();
      if (!value) continue;
      const checked = checkExtra(key, value);
      if ('reject' in checked) {
        reject(checked.reject);
        continue;
      }
      row.extra ??= {};
      row.extra[key] = checked.value;
    }
  }
  if (!row.phone && !row.email && !row.reject) reject('no phone number or e-mail address');
  // Rows without a phone may still be refused in SQL (no existing contact with that e-mail).
  if (row.reject || !row.phone) row.cells = cells;
  return row;
}
