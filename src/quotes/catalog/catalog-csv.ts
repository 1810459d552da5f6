import { parse } from 'csv-parse/sync';
import type { Actor } from '../../api-keys/api-keys.service.js';
import { auditChange } from '../../audit/audit.repository.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError, type ErrorDetail } from '../../platform/http/app-error.js';
import { decimalToMinor } from '../money.js';
import type { CatalogItemValues } from './catalog.repository.js';
import { upsertCatalogItemBySku } from './catalog.repository.js';

/**
 * The catalog's own small CSV import (issue 14): a header row with `sku,name,unit_price` and optionally
 * `description,unit,tax_rate,active,category,options`; prices in major units ("12.50"), tax rate as a
 * percentage ("22" or "5.5"), options separated by `|`. All rows or none: a file with any bad row is
 * refused with every error listed by line. The general import of the leads issue replaces this module.
 */
export const MAX_CSV_ROWS = 5000;
const REQUIRED = ['sku', 'name', 'unit_price'] as const;
const KNOWN = new Set([...REQUIRED, 'description', 'unit', 'tax_rate', 'active', 'category', 'options']);
// Cells are single-line values: any control character (tabs and line breaks included) is refused.
const hasControl = (value: string) =>
  [...value].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

export interface CatalogImportResult {
  inserted: number;
  updated: number;
}

function taxRateBp(text: string): number | undefined {
  const match = /^(\d{1,3})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const bp = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return bp <= 10_000 ? bp : undefined;
}

function text(value: string | undefined, max: number): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > max || hasControl(trimmed))
    throw new Error(`longer than ${max} or has control characters`);
  return trimmed;
}

export function parseCatalogCsv(
  csv: string,
  currency: string,
): { rows: CatalogItemValues[]; errors: ErrorDetail[] } {
  let records: Record<string, string>[];
  try {
    records = parse(csv, {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      skip_empty_lines: true,
      bom: true,
      to_line: MAX_CSV_ROWS + 2,
      max_record_size: 16_384,
    });
  } catch (error) {
    throw new AppError(
      'validation_failed',
      `The CSV could not be read: ${(error as Error).message.slice(0, 200)}`,
      {
        cause: error,
      },
    );
  }
  if (records.length > MAX_CSV_ROWS) {
    throw new AppError('validation_failed', `At most ${MAX_CSV_ROWS} rows per import`);
  }
  const header = Object.keys(records[0] ?? {});
  const missing = REQUIRED.filter((column) => !header.includes(column));
  const unknown = header.filter((column) => !KNOWN.has(column));
  if (records.length === 0 || missing.length > 0 || unknown.length > 0) {
    throw new AppError('validation_failed', 'The header must name sku, name and unit_price', {
      details: [
        ...missing.map((column) => ({ path: 'header', message: `missing column ${column}` })),
        ...unknown.map((column) => ({ path: 'header', message: `unknown column ${column.slice(0, 40)}` })),
      ],
    });
  }

  const rows: CatalogItemValues[] = [];
  const errors: ErrorDetail[] = [];
  const seen = new Set<string>();
  records.forEach((record, index) => {
    const line = `line ${index + 2}`;
    try {
      const sku = text(record.sku, 64);
      const name = text(record.name, 200);
      if (!sku || !name) throw new Error('sku and name are required');
      if (seen.has(sku.toLowerCase())) throw new Error(`SKU ${sku} appears twice`);
      seen.add(sku.toLowerCase());
      const price = decimalToMinor(record.unit_price ?? '', currency);
      if (price === undefined || price > 1_000_000_000_000n)
        throw new Error(`unit_price is not an amount in ${currency}`);
      const tax = record.tax_rate?.trim() ? taxRateBp(record.tax_rate) : 0;
      if (tax === undefined) throw new Error('tax_rate is not a percentage between 0 and 100');
      const active = record.active?.trim().toLowerCase();
      if (
        active !== undefined &&
        active !== '' &&
        !['true', 'false', 'yes', 'no', '1', '0'].includes(active)
      ) {
        throw new Error('active must be true or false');
      }
      const options = (text(record.options, 2000) ?? '')
        .split('|')
        .map((option) => option.trim())
        .filter(Boolean);
      rows.push({
        sku,
        name,
        description: text(record.description, 4000) ?? '',
        unit: text(record.unit, 32) ?? 'unit',
        unitPriceMinor: Number(price),
        taxRateBp: tax,
        active: active === undefined || active === '' || ['true', 'yes', '1'].includes(active),
        category: text(record.category, 100) ?? null,
        options: options.slice(0, 50),
      });
    } catch (error) {
      errors.push({ path: line, message: (error as Error).message });
    }
  });
  return { rows, errors };
}

export async function importCatalogCsv(
  db: Db,
  tenantId: string,
  actor: Actor,
  csv: string,
  currency: string,
): Promise<CatalogImportResult> {
  const { rows, errors } = parseCatalogCsv(csv, currency);
  if (errors.length > 0) {
    throw new AppError(
      'validation_failed',
      `${errors.length} row(s) could not be imported; nothing was stored`,
      {
        details: errors.slice(0, 100),
      },
    );
  }
  return withTenant(db, tenantId, async (trx) => {
    const result = { inserted: 0, updated: 0 };
    for (const row of rows) {
      const { inserted } = await upsertCatalogItemBySku(trx, row);
      if (inserted) result.inserted++;
      else result.updated++;
    }
    await auditChange(trx, tenantId, actor, 'catalog.imported', result);
    return result;
  });
}
