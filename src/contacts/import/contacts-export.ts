import { Readable } from 'node:stream';
import { type AuditActor, auditChange } from '../../audit/audit.repository.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { csvLine } from './csv-out.js';

const PAGE = 2000;
const HEADER = ['id', 'phone', 'first_name', 'last_name', 'company', 'email', 'whatsapp_name', 'created_at'];

export interface ExportFilter {
  /** Substring of names, e-mail, company or phone digits (as the inbox search). */
  q?: string | undefined;
  /** Only the contacts an import created. */
  importId?: string | undefined;
}

/**
 * The tenant's contacts as a CSV stream, read in keyset pages (one page in memory at a time); every cell
 * goes through csvCell (formula injection neutralised). The export is audited with its filter.
 */
export async function exportContactsCsv(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  filter: ExportFilter,
): Promise<Readable> {
  await withTenant(db, tenantId, (trx) =>
    auditChange(trx, tenantId, actor, 'contacts.exported', {
      search: filter.q !== undefined,
      importId: filter.importId ?? null,
    }),
  );
  const needle = filter.q?.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`);
  async function* lines() {
    yield csvLine(HEADER);
    let after: string | null = null;
    for (;;) {
      const cursor: string | null = after;
      const page = await withTenant(db, tenantId, (trx) => {
        let query = trx
          .selectFrom('contacts as c')
          .select([
            'c.id',
            'c.phoneE164',
            'c.firstName',
            'c.lastName',
            'c.company',
            'c.email',
            'c.displayName',
            'c.createdAt',
          ])
          .orderBy('c.id')
          .limit(PAGE);
        if (cursor) query = query.where('c.id', '>', cursor);
        if (needle) query = query.where('c.searchText', 'like', `%${needle}%`);
        if (filter.importId) {
          const importId = filter.importId;
          query = query.where(({ exists, selectFrom }) =>
            exists(
              selectFrom('contactImportChanges as ch')
                .select('ch.contactId')
                .whereRef('ch.contactId', '=', 'c.id')
                .where('ch.importId', '=', importId),
            ),
          );
        }
        return query.execute();
      });
      if (page.length === 0) return;
      yield page
        .map((row) =>
          csvLine([
            row.id,
            row.phoneE164,
            row.firstName,
            row.lastName,
            row.company,
            row.email,
            row.displayName,
            row.createdAt.toISOString(),
          ]),
        )
        .join('');
      after = page[page.length - 1]?.id ?? null;
      if (page.length < PAGE) return;
    }
  }
  return Readable.from(lines());
}
