import { sql } from 'kysely';
import { z } from 'zod';
import { recordAudit } from '../../audit/audit.repository.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { enqueue } from '../../platform/jobs/enqueue.js';
import { type AnyTask, defineTask, type TaskContext, type TaskReference } from '../../platform/jobs/task.js';
import type { HubspotClient } from './hubspot.client.js';
import { LEADLINE_ID } from './mapping.js';
import {
  connectedAccount,
  type PassOutcome,
  type SyncContext,
  syncContactBatch,
  syncDealBatch,
} from './sync.js';

const ZDrain = z.object({});
const ZRecord = z.object({ kind: z.enum(['contact', 'deal']), refId: z.uuid() });
const ZGdprDelete = z.object({ contactId: z.uuid(), erasureId: z.uuid() });

/** Queued by the outbox trigger (hubspot_nudge), keyed per workspace, on the workspace's HubSpot queue. */
export const DRAIN_OUTBOX_TASK = {
  id: 'hubspot.drain-outbox',
  schema: ZDrain,
  maxAttempts: 25,
} as const satisfies TaskReference<typeof ZDrain>;

/** One record HubSpot refused in a batch, tried alone; it ends in the dead-letter queue if it keeps failing. */
export const SYNC_RECORD_TASK = {
  id: 'hubspot.sync-record',
  schema: ZRecord,
  maxAttempts: 5,
} as const satisfies TaskReference<typeof ZRecord>;

/** The GDPR delete of an erased contact (payload: ids only). */
export const GDPR_DELETE_TASK = {
  id: 'hubspot.gdpr-delete',
  schema: ZGdprDelete,
  maxAttempts: 10,
} as const satisfies TaskReference<typeof ZGdprDelete>;

export const hubspotQueue = (tenantId: string) => `hubspot:${tenantId}`;

export interface HubspotTaskDeps {
  client: HubspotClient;
  box: SecretBox;
  /** How long one drain job works before handing over to a fresh one (keeps jobs short). */
  drainBudgetMs?: number;
  /** Told after each batch (metrics, the benchmark). */
  onBatch?: (outcome: PassOutcome) => void;
}

function syncContext(deps: HubspotTaskDeps, ctx: TaskContext<'tenant'>): SyncContext {
  return { inTenant: (work) => ctx.withTenant(work), client: deps.client, box: deps.box };
}

async function parkRefused(ctx: TaskContext<'tenant'>, outcome: PassOutcome): Promise<void> {
  if (outcome.refused.length === 0) return;
  await ctx.withTenant(async (trx) => {
    for (const record of outcome.refused) {
      await enqueue(trx, SYNC_RECORD_TASK, record, {
        requestId: ctx.requestId,
        queueName: hubspotQueue(ctx.tenantId),
        jobKey: `hubspot-record:${ctx.tenantId}:${record.kind}:${record.refId}`,
      });
    }
  });
}

export function createHubspotTasks(deps: HubspotTaskDeps): AnyTask[] {
  const budgetMs = deps.drainBudgetMs ?? 60_000;
  return [
    defineTask({
      ...DRAIN_OUTBOX_TASK,
      async handle(_payload, ctx) {
        const sync = syncContext(deps, ctx);
        const acct = await connectedAccount(sync);
        if (!acct) return;
        const started = Date.now();
        // Contacts first, so a deal finds its contact in HubSpot.
        for (const pass of [syncContactBatch, syncDealBatch]) {
          for (;;) {
            const outcome = await pass(sync, acct);
            if (!outcome) break;
            deps.onBatch?.(outcome);
            await parkRefused(ctx, outcome);
            if (Date.now() - started > budgetMs) {
              // Time is up with work left: a fresh job (same key) carries on.
              await ctx.withTenant((trx) => sql`select hubspot_nudge(${ctx.tenantId}::uuid)`.execute(trx));
              return;
            }
          }
        }
      },
    }),
    defineTask({
      ...SYNC_RECORD_TASK,
      async handle(payload, ctx) {
        const sync = syncContext(deps, ctx);
        const acct = await connectedAccount(sync);
        if (!acct) return;
        const pass = payload.kind === 'contact' ? syncContactBatch : syncDealBatch;
        const outcome = await pass(sync, acct, payload.refId);
        if (outcome && outcome.refused.length > 0) {
          throw new Error(`HubSpot refused the ${payload.kind} ${payload.refId}`);
        }
      },
    }),
    defineTask({
      ...GDPR_DELETE_TASK,
      async handle(payload, ctx) {
        const sync = syncContext(deps, ctx);
        const acct = await connectedAccount(sync);
        if (!acct) return;
        const result = await deps.client.gdprDelete(acct.auth, {
          idProperty: LEADLINE_ID,
          objectId: payload.contactId,
        });
        await ctx.withTenant((trx) =>
          recordAudit(trx, {
            action: 'privacy.crm_deletion_confirmed',
            tenantId: ctx.tenantId,
            actorUserId: null,
            context: null,
            detail: { erasureId: payload.erasureId, contactId: payload.contactId, crm: 'hubspot', result },
          }),
        );
      },
    }),
  ];
}
