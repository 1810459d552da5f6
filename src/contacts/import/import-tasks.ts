import { z } from 'zod';
import { recordAudit } from '../../audit/audit.repository.js';
import { withTenantClient } from '../../platform/db/tenant-client.js';
import { defineTask, type TaskReference } from '../../platform/jobs/task.js';
import type { Logger } from '../../platform/logging/logger.js';
import { INBOX_EVENTS_CHANNEL } from '../../realtime/inbox-events.js';
import { type ImportEngineDeps, runImport, undoImport } from './import-engine.js';

const ZImportJob = z.object({ importId: z.uuid() });

export const importContactsTask = {
  id: 'contacts.import',
  schema: ZImportJob,
  // A crash resumes from the last committed chunk; a file error fails the import without retrying.
  maxAttempts: 10,
} satisfies TaskReference;

export const undoContactImportTask = {
  id: 'contacts.import_undo',
  schema: ZImportJob,
  maxAttempts: 10,
} satisfies TaskReference;

export type ImportTaskDeps = Omit<ImportEngineDeps, 'onProgress'>;

/** Live progress: an event per committed chunk (ids only), through the live channel's NOTIFY. */
function progressNotifier(deps: ImportTaskDeps, logger: Logger) {
  return (tenantId: string, importId: string) => {
    const payload = JSON.stringify({ tenantId, event: { type: 'contact_import.updated', importId } });
    deps.pool.query('select pg_notify($1, $2)', [INBOX_EVENTS_CHANNEL, payload]).catch((error: unknown) => {
      logger.warn({ err: error, importId }, 'import progress event not sent');
    });
  };
}

export function createImportContactsTask(deps: ImportTaskDeps) {
  return defineTask({
    ...importContactsTask,
    async handle({ importId }, ctx) {
      const outcome = await runImport(
        { ...deps, onProgress: progressNotifier(deps, ctx.logger) },
        ctx.tenantId,
        importId,
      );
      if (outcome !== 'not-runnable') {
        await ctx.withTenant((trx) =>
          recordAudit(trx, {
            action: `contacts.import_${outcome}`,
            tenantId: ctx.tenantId,
            context: null,
            detail: { importId },
          }),
        );
      }
    },
  });
}

export function createUndoContactImportTask(deps: ImportTaskDeps) {
  return defineTask({
    ...undoContactImportTask,
    async handle({ importId }, ctx) {
      const state = await withTenantClient(deps.pool, ctx.tenantId, async (client) => {
        const { rows } = await client.query<{ status: string }>(
          'select status from contact_imports where id = $1',
          [importId],
        );
        return rows[0]?.status;
      });
      if (state !== 'undoing') return;
      const result = await undoImport(deps.pool, ctx.tenantId, importId, { status: 'undone' });
      progressNotifier(deps, ctx.logger)(ctx.tenantId, importId);
      await ctx.withTenant((trx) =>
        recordAudit(trx, {
          action: 'contacts.import_undone',
          tenantId: ctx.tenantId,
          context: null,
          detail: { importId, ...result },
        }),
      );
    },
  });
}
