import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { BusinessHoursRow } from './business-hours.table.js';
import type { TBusinessHours } from './calendar.js';

export async function findCalendar(
  trx: TenantTransaction,
  widgetId: string | null,
): Promise<BusinessHoursRow | undefined> {
  const query = trx.selectFrom('businessHours').selectAll();
  return (widgetId === null ? query.where('widgetId', 'is', null) : query.where('widgetId', '=', widgetId))
    .limit(1)
    .executeTakeFirst();
}

export async function saveCalendar(
  trx: TenantTransaction,
  widgetId: string | null,
  calendar: TBusinessHours,
): Promise<void> {
  const existing = await findCalendar(trx, widgetId);
  if (existing) {
    await trx
      .updateTable('businessHours')
      .set({ calendar: JSON.stringify(calendar), updatedAt: new Date() })
      .where('id', '=', existing.id)
      .execute();
    return;
  }
  await trx
    .insertInto('businessHours')
    .values({ widgetId, calendar: JSON.stringify(calendar) })
    .execute();
}

export async function deleteCalendar(trx: TenantTransaction, widgetId: string): Promise<boolean> {
  const result = await trx.deleteFrom('businessHours').where('widgetId', '=', widgetId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
