import type { Db } from '../platform/db/database.js';
import type { DashboardLocale } from './accounts.table.js';

/** The signed-in person's own dashboard preferences (not a workspace's): today the language (ADR 0045). */
export interface Preferences {
  locale: DashboardLocale | null;
}

/** Stores the language the person chose; null goes back to following the browser. */
export async function setPreferences(db: Db, userId: string, preferences: Preferences): Promise<Preferences> {
  const row = await db
    .updateTable('users')
    .set({ locale: preferences.locale, updatedAt: new Date() })
    .where('id', '=', userId)
    .returning('locale')
    .executeTakeFirstOrThrow();
  return { locale: row.locale };
}
