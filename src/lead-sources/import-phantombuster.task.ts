import { z } from 'zod';
import { recordAudit } from '../audit/audit.repository.js';
import { importFromIntegration } from '../contacts/import/imports.service.js';
import type { BlobStore } from '../platform/blobs/blob-store.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { OutboundError } from '../platform/http/outbound/errors.js';
import { defineTask, type TaskContext } from '../platform/jobs/task.js';
import { leadSourceSecretBox } from './lead-sources.service.js';
import { importPhantombusterTask } from './lead-task-refs.js';
import { type PhantombusterApi, resultCsvUrl, ZPhantombusterWebhook } from './phantombuster.js';

/** A result file larger than this is refused (the CSV import itself streams far larger uploads). */
export const MAX_RESULT_BYTES = 50 * 1024 * 1024;

export interface PhantombusterTaskDeps {
  db: Db;
  config: Config;
  blobs: BlobStore;
  api: PhantombusterApi;
}

/** A refusal that retrying cannot change: the delivery is marked rejected with this reason. */
class Refused extends Error {}

/**
 * Imports the result of the Phantombuster run a webhook announced. The webhook itself is not signed
 * (Phantombuster cannot sign or add headers), so nothing in it is trusted: the run is looked up through
 * Phantombuster's API under the source's own API key, must belong to the source's agent and be finished,
 * and its result CSV must be on one of Phantombuster's hosts; the CSV then goes through the CSV import
 * (fill-in deduplication, rejected rows, undo).
 */
export function createImportPhantombusterTask(deps: PhantombusterTaskDeps) {
  const box = leadSourceSecretBox(deps.config);
  return defineTask({
    ...importPhantombusterTask,
    async handle({ deliveryId }, ctx) {
      const found = await ctx.withTenant((trx) =>
        trx
          .selectFrom('leadDeliveries as d')
          .innerJoin('leadSources as s', 's.id', 'd.sourceId')
          .select([
            'd.status',
            'd.payload',
            's.id as sourceId',
            's.phantombusterAgentId',
            's.phantombusterKeySealed',
            's.defaultCountry',
          ])
          .where('d.id', '=', deliveryId)
          .executeTakeFirst(),
      );
      if (found?.status !== 'received' || !found.phantombusterKeySealed) return;
      try {
        const importId = await importRun(deps, ctx, {
          apiKey: box.open(found.phantombusterKeySealed),
          agentId: found.phantombusterAgentId,
          defaultCountry: found.defaultCountry,
          payload: found.payload,
        });
        await finish(ctx, deliveryId, { status: 'processed', importId });
      } catch (error) {
        if (error instanceof Refused)
          await finish(ctx, deliveryId, { status: 'rejected', error: error.message });
        else throw error;
      }
    },
  });
}

async function importRun(
  deps: PhantombusterTaskDeps,
  ctx: TaskContext<'tenant'>,
  source: { apiKey: string; agentId: string | null; defaultCountry: string | null; payload: unknown },
): Promise<string> {
  const webhook = ZPhantombusterWebhook.parse(source.payload);
  const container = await refusing(() => deps.api.container(source.apiKey, webhook.containerId));
  if (container.agentId !== source.agentId)
    throw new Refused("the run does not belong to this source's agent");
  if (container.status !== 'finished')
    throw new Refused(`the run is ${container.status.slice(0, 40)}, not finished`);
  const resultObject = await refusing(() => deps.api.resultObject(source.apiKey, webhook.containerId));
  const url = resultCsvUrl(resultObject, deps.config.leadSources.phantombusterResultHosts);
  if (!url) throw new Refused("the run has no result CSV on Phantombuster's hosts");
  const body = await refusing(() => deps.api.download(url.href, MAX_RESULT_BYTES));
  try {
    const contactImport = await importFromIntegration(
      deps.db,
      deps.blobs,
      ctx.tenantId,
      { userId: null, apiKeyId: null, context: { requestId: ctx.requestId, ip: '', userAgent: undefined } },
      { fileName: `phantombuster-${webhook.containerId}.csv`, content: oneChunk(body) },
      { policy: 'fill', defaultCountry: source.defaultCountry },
    );
    return contactImport.id;
  } catch (error) {
    if (error instanceof AppError && error.status < 500) throw new Refused(error.message);
    throw error;
  }
}

async function* oneChunk(body: Buffer): AsyncIterable<Buffer> {
  yield body;
}

/** Phantombuster's answers that will not change on a retry (401, 404, a malformed answer) refuse the run. */
async function refusing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof OutboundError && !error.retryable) {
      throw new Refused(
        `Phantombuster refused: ${error.failure}${error.details.status ? ` ${error.details.status}` : ''}`,
      );
    }
    if (error instanceof SyntaxError || error instanceof z.ZodError) {
      throw new Refused('Phantombuster answered with an unexpected body');
    }
    throw error;
  }
}

async function finish(
  ctx: TaskContext<'tenant'>,
  deliveryId: string,
  outcome: { status: 'processed'; importId: string } | { status: 'rejected'; error: string },
): Promise<void> {
  await ctx.withTenant(async (trx) => {
    await trx
      .updateTable('leadDeliveries')
      .set({
        status: outcome.status,
        importId: outcome.status === 'processed' ? outcome.importId : null,
        error: outcome.status === 'rejected' ? outcome.error.slice(0, 500) : null,
        processedAt: new Date(),
      })
      .where('id', '=', deliveryId)
      .execute();
    await recordAudit(trx, {
      action: outcome.status === 'processed' ? 'lead_source.import_started' : 'lead_source.lead_rejected',
      tenantId: ctx.tenantId,
      context: null,
      detail: {
        deliveryId,
        ...(outcome.status === 'processed' ? { importId: outcome.importId } : { reason: outcome.error }),
      },
    });
  });
}
