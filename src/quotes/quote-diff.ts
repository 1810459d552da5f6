import type { QuoteLine, QuoteVersion } from './quotes.table.js';

export interface FieldChange {
  field: string;
  from: string | number;
  to: string | number;
}

export interface LineChange {
  sku: string;
  name: string;
  change: 'added' | 'removed' | 'changed';
  fields: FieldChange[];
}

export interface QuoteDiff {
  fromVersion: number;
  toVersion: number;
  fields: FieldChange[];
  lines: LineChange[];
}

const LINE_FIELDS = ['quantityMilli', 'unitPriceMinor', 'discountBp', 'taxRateBp', 'note'] as const;
const VERSION_FIELDS = [
  'validUntil',
  'notes',
  'discountBp',
  'subtotalMinor',
  'discountMinor',
  'taxMinor',
  'totalMinor',
] as const;

function changes<T extends Record<string, unknown>>(from: T, to: T, fields: readonly (keyof T & string)[]) {
  return fields
    .filter((field) => String(from[field]) !== String(to[field]))
    .map((field) => ({ field, from: from[field] as string | number, to: to[field] as string | number }));
}

/** What changed between two versions: header fields, and lines matched by catalog item (else SKU). */
export function diffVersions(
  from: { version: QuoteVersion; lines: QuoteLine[] },
  to: { version: QuoteVersion; lines: QuoteLine[] },
): QuoteDiff {
  const key = (line: QuoteLine) => line.catalogItemId ?? `sku:${line.sku}`;
  const before = new Map(from.lines.map((line) => [key(line), line]));
  const after = new Map(to.lines.map((line) => [key(line), line]));
  const lines: LineChange[] = [];
  for (const [id, line] of after) {
    const old = before.get(id);
    if (!old) lines.push({ sku: line.sku, name: line.name, change: 'added', fields: [] });
    else {
      const fields = changes(old, line, LINE_FIELDS);
      if (fields.length > 0) lines.push({ sku: line.sku, name: line.name, change: 'changed', fields });
    }
  }
  for (const [id, line] of before) {
    if (!after.has(id)) lines.push({ sku: line.sku, name: line.name, change: 'removed', fields: [] });
  }
  return {
    fromVersion: from.version.version,
    toVersion: to.version.version,
    fields: changes(from.version, to.version, VERSION_FIELDS),
    lines,
  };
}
