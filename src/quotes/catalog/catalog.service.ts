import type { Actor } from '../../api-keys/api-keys.service.js';
import { auditChange } from '../../audit/audit.repository.js';
import type { Db } from '../../platform/db/database.js';
import { conflictOnDuplicate } from '../../platform/db/errors.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import type { Page, PageCursor } from '../../platform/http/cursor.js';
import { pageOf } from '../../platform/http/cursor.js';
import type { CatalogItem } from '../quotes.table.js';
import {
  type CatalogItemValues,
  type CatalogListFilters,
  deleteCatalogItem,
  findCatalogItem,
  insertCatalogItem,
  listCatalogItems,
  searchCatalogItems,
  updateCatalogItem,
} from './catalog.repository.js';

const skuTaken = conflictOnDuplicate('A catalog item with this SKU exists already');

export async function createCatalogItem(
  db: Db,
  tenantId: string,
  actor: Actor,
  values: CatalogItemValues,
): Promise<CatalogItem> {
  return withTenant(db, tenantId, async (trx) => {
    const item = await insertCatalogItem(trx, values).catch(skuTaken);
    await auditChange(trx, tenantId, actor, 'catalog_item.created', {
      catalogItemId: item.id,
      sku: item.sku,
    });
    return item;
  });
}

export async function changeCatalogItem(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  changes: Partial<CatalogItemValues>,
): Promise<CatalogItem> {
  return withTenant(db, tenantId, async (trx) => {
    const item = await updateCatalogItem(trx, id, changes).catch(skuTaken);
    if (!item) throw new AppError('not_found', 'Catalog item not found');
    await auditChange(trx, tenantId, actor, 'catalog_item.updated', {
      catalogItemId: item.id,
      sku: item.sku,
      fields: Object.keys(changes),
    });
    return item;
  });
}

/** Quote lines keep their snapshot; the line's link to the item is cleared by the foreign key. */
export async function removeCatalogItem(db: Db, tenantId: string, actor: Actor, id: string): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const item = await deleteCatalogItem(trx, id);
    if (!item) throw new AppError('not_found', 'Catalog item not found');
    await auditChange(trx, tenantId, actor, 'catalog_item.deleted', {
      catalogItemId: item.id,
      sku: item.sku,
    });
  });
}

export async function getCatalogItem(db: Db, tenantId: string, id: string): Promise<CatalogItem> {
  const item = await withTenant(db, tenantId, (trx) => findCatalogItem(trx, id));
  if (!item) throw new AppError('not_found', 'Catalog item not found');
  return item;
}

export async function pageOfCatalog(
  db: Db,
  tenantId: string,
  filters: CatalogListFilters,
): Promise<Page<CatalogItem>> {
  const rows = await withTenant(db, tenantId, (trx) => listCatalogItems(trx, filters));
  return pageOf(rows, filters.limit, (item): PageCursor => ({ at: item.createdAt, id: item.id }));
}

export async function searchCatalog(
  db: Db,
  tenantId: string,
  text: string,
  limit: number,
): Promise<(CatalogItem & { score: number })[]> {
  return withTenant(db, tenantId, (trx) => searchCatalogItems(trx, text, limit));
}
