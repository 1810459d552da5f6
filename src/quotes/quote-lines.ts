import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { findCatalogItems } from './catalog/catalog.repository.js';
import { toSafeNumber } from './money.js';
import { parseQuantity } from './quantity.js';
import type { QuoteLine } from './quotes.table.js';
import { computeTotals, type QuoteTotals } from './totals.js';

/** A line as a drafter asks for it: a catalog item and a quantity; never a name or (unless manual) a price. */
export interface LineInput {
  catalogItemId: string;
  /** A decimal string with up to three decimals ("2", "2.5"). */
  quantity: string;
  discountBp?: number | undefined;
  /** A manual price (minor units) replacing the catalog's: it makes the quote need a person's approval. */
  unitPriceMinor?: number | undefined;
  note?: string | undefined;
  /** The customer message this line was drafted from. */
  sourceMessageId?: string | null | undefined;
}

export interface ResolvedLine {
  position: number;
  catalogItemId: string;
  sku: string;
  name: string;
  unit: string;
  unitPriceMinor: string;
  catalogPriceMinor: string;
  taxRateBp: number;
  quantityMilli: string;
  discountBp: number;
  note: string;
  sourceMessageId: string | null;
}

export const MAX_LINES = 200;

/**
 * Snapshots the catalog into lines. A line whose item was already on the version being edited keeps that
 * snapshot (the price quoted stays what it was, even if the catalog changed since, or the item was
 * retired); any other item must be active in the catalog now, or the whole request is refused.
 */
export async function resolveLines(
  trx: TenantTransaction,
  inputs: readonly LineInput[],
  previous: readonly QuoteLine[] = [],
): Promise<ResolvedLine[]> {
  if (inputs.length > MAX_LINES) throw new AppError('validation_failed', `At most ${MAX_LINES} lines`);
  const snapshots = new Map(
    previous.filter((line) => line.catalogItemId).map((line) => [line.catalogItemId, line]),
  );
  const wanted = [...new Set(inputs.map((input) => input.catalogItemId).filter((id) => !snapshots.has(id)))];
  const items = new Map((await findCatalogItems(trx, wanted)).map((item) => [item.id, item]));
  return inputs.map((input, position) => {
    const quantityMilli = parseQuantity(input.quantity);
    if (quantityMilli === undefined) {
      throw new AppError(
        'validation_failed',
        `Line ${position + 1}: quantity must be between 0.001 and 1000000`,
        {
          details: [
            {
              path: `body.lines.${position}.quantity`,
              message: 'a positive number with up to three decimals',
            },
          ],
        },
      );
    }
    const kept = snapshots.get(input.catalogItemId);
    const item = items.get(input.catalogItemId);
    if (!kept && !item?.active) {
      throw new AppError(
        'unknown_catalog_item',
        `Line ${position + 1}: the item is not in the active catalog`,
        {
          details: [{ path: `body.lines.${position}.catalogItemId`, message: 'not an active catalog item' }],
        },
      );
    }
    const snapshot = kept
      ? {
          sku: kept.sku,
          name: kept.name,
          unit: kept.unit,
          price: kept.unitPriceMinor,
          catalogPrice: kept.catalogPriceMinor ?? kept.unitPriceMinor,
          tax: kept.taxRateBp,
        }
      : {
          sku: item!.sku,
          name: item!.name,
          unit: item!.unit,
          price: item!.unitPriceMinor,
          catalogPrice: item!.unitPriceMinor,
          tax: item!.taxRateBp,
        };
    return {
      position,
      catalogItemId: input.catalogItemId,
      sku: snapshot.sku,
      name: snapshot.name,
      unit: snapshot.unit,
      unitPriceMinor: input.unitPriceMinor === undefined ? snapshot.price : String(input.unitPriceMinor),
      catalogPriceMinor: snapshot.catalogPrice,
      taxRateBp: snapshot.tax,
      quantityMilli: quantityMilli.toString(),
      discountBp: input.discountBp ?? 0,
      note: input.note ?? '',
      sourceMessageId: input.sourceMessageId ?? null,
    };
  });
}

type PricedLine = Pick<QuoteLine, 'unitPriceMinor' | 'quantityMilli' | 'discountBp' | 'taxRateBp'>;

export function totalsOf(lines: readonly PricedLine[], discountBp: number): QuoteTotals {
  return computeTotals(
    lines.map((line) => ({
      unitPriceMinor: BigInt(line.unitPriceMinor),
      quantityMilli: BigInt(line.quantityMilli),
      discountBp: line.discountBp,
      taxRateBp: line.taxRateBp,
    })),
    discountBp,
  );
}

/** The stored figures of a version; refuses totals beyond what JSON numbers carry exactly. */
export function storedTotals(totals: QuoteTotals) {
  try {
    toSafeNumber(totals.totalMinor);
  } catch (error) {
    throw new AppError('validation_failed', 'The quote total is too large', { cause: error });
  }
  return {
    subtotalMinor: totals.subtotalMinor.toString(),
    discountMinor: totals.discountMinor.toString(),
    taxMinor: totals.taxMinor.toString(),
    totalMinor: totals.totalMinor.toString(),
  };
}

export function hasManualPrice(
  lines: readonly Pick<ResolvedLine, 'unitPriceMinor' | 'catalogPriceMinor'>[],
): boolean {
  return lines.some((line) => line.unitPriceMinor !== line.catalogPriceMinor);
}
