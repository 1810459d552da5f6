import { sql } from 'kysely';
import { z } from 'zod';
import { findHubspotConnection, hubspotAuth } from '../integrations/hubspot/connection.service.js';
import type { HubspotTaskDeps } from '../integrations/hubspot/hubspot.tasks.js';
import type { Db } from '../platform/db/database.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { enqueue } from '../platform/jobs/enqueue.js';
import { type AnyTask, defineTask, type TaskReference } from '../platform/jobs/task.js';
import { defineTenantSweep } from '../platform/jobs/tenant-sweep.js';
import type { ActionOutcome } from './rule-schema.js';
import { applyRun, evaluateRule, markRunFailed } from './runner.js';
import { EVENT_RULE_INTERVAL_MS } from './schedule.js';

const ZRule = z.object({ ruleId: z.uuid() });
const ZRun = z.object({ runId: z.uuid() });
const ZRunAction = z.object({ runId: z.uuid(), index: z.int().min(0).max(9) });

/** Looks at one rule (its trigger, condition, cap) and creates its runs. Keyed per rule. */
export const EVALUATE_RULE_TASK = {
  id: 'automations.evaluate-rule',
  schema: ZRule,
  maxAttempts: 5,
} as const satisfies TaskReference<typeof ZRule>;

/** Carries out one run's actions. Keyed per run; the last failure marks the run failed and dead-letters. */
export const APPLY_RUN_TASK = {
  id: 'automations.apply-run',
  schema: ZRun,
  maxAttempts: 5,
} as const satisfies TaskReference<typeof ZRun>;

/** Creates one run's HubSpot task (network, so outside the run's transaction). */
export const HUBSPOT_TASK_TASK = {
  id: 'automations.hubspot-task',
  schema: ZRunAction,
  maxAttempts: 10,
} as const satisfies TaskReference<typeof ZRunAction>;

export const SWEEP_TASK_ID = 'automations.sweep';
/** Workspaces and rules one sweep takes at most (the rest are due again a minute later). */
const SWEEP_TENANTS = 200;
const SWEEP_RULES = 50;

/**
 * Claims the workspace's due rules (pushing their next look a minute ahead, so a slow evaluation is not
 * queued twice) and queues an evaluation of each.
 */
export async function queueDueRules(trx: TenantTransaction, now: Date, requestId: string): Promise<number> {
  const due = await trx
    .selectFrom('automationRules')
    .select('id')
    .where('enabled', '=', true)
    .where('nextRunAt', '<=', now)
    .orderBy('nextRunAt')
    .limit(SWEEP_RULES)
    .forUpdate()
    .skipLocked()
    .execute();
  for (const { id } of due) {
    await trx
      .updateTable('automationRules')
      .set({ nextRunAt: new Date(now.getTime() + EVENT_RULE_INTERVAL_MS) })
      .where('id', '=', id)
      .execute();
    await enqueue(
      trx,
      EVALUATE_RULE_TASK,
      { ruleId: id },
      { requestId, jobKey: `automation-evaluate:${id}` },
    );
  }
  return due.length;
}

/** Evaluates a rule and queues an apply job per new run (and the next batch when the batch was full). */
export async function evaluateAndQueue(
  trx: TenantTransaction,
  ruleId: string,
  requestId: string,
  now = new Date(),
) {
  const outcome = await evaluateRule(trx, ruleId, now);
  for (const runId of outcome.runIds) {
    await enqueue(trx, APPLY_RUN_TASK, { runId }, { requestId, jobKey: `automation-run:${runId}` });
  }
  if (outcome.more) {
    await enqueue(
      trx,
      EVALUATE_RULE_TASK,
      { ruleId },
      { requestId, jobKey: `automation-evaluate:${ruleId}` },
    );
  }
  return outcome;
}

const queueHubspotTask = async (trx: TenantTransaction, input: { runId: string; index: number }) => {
  await enqueue(trx, HUBSPOT_TASK_TASK, input, {
    requestId: `automation:${input.runId}`,
    jobKey: `automation-hubspot:${input.runId}:${input.index}`,
  });
};

export interface AutomationTaskDeps {
  db: Db;
  /** HubSpot's client and the connection's secret box; absent: HubSpot task jobs are not run here. */
  hubspot?: Pick<HubspotTaskDeps, 'client' | 'box'> | undefined;
  /** Cron pattern (UTC) of the sweep; every minute by default. */
  sweepSchedule?: string;
}

/**
 * Creates the HubSpot task of a run's action once: the created task's id is written to the run's outcome,
 * and a job that finds it there does nothing (a crash between HubSpot's answer and that write can create
 * a second task: HubSpot has no idempotency key for tasks).
 */
export async function createRunHubspotTask(
  inTenant: <T>(work: (trx: TenantTransaction) => Promise<T>) => Promise<T>,
  deps: Pick<HubspotTaskDeps, 'client' | 'box'>,
  input: { runId: string; index: number },
): Promise<'created' | 'exists' | 'not_connected' | 'gone'> {
  const found = await inTenant(async (trx) => {
    const run = await trx
      .selectFrom('automationRuns')
      .selectAll()
      .where('id', '=', input.runId)
      .executeTakeFirst();
    if (!run) return undefined;
    const rule = await trx
      .selectFrom('automationRules')
      .selectAll()
      .where('id', '=', run.ruleId)
      .executeTakeFirst();
    const connection = await findHubspotConnection(trx);
    const record = await trx
      .selectFrom('hubspotRecords')
      .select('hubspotId')
      .where('kind', '=', 'contact')
      .where('refId', '=', run.contactId)
      .executeTakeFirst();
    return { run, rule, connection, hubspotContactId: record?.hubspotId };
  });
  if (!found?.rule) return 'gone';
  const outcome = found.run.outcomes[input.index];
  if (outcome?.outcome === 'done' && outcome.detail?.hubspotTaskId) return 'exists';
  if (!found.connection) return 'not_connected';
  const action = found.rule.actions[input.index];
  if (action?.type !== 'hubspot_task') return 'gone';
  const { id } = await deps.client.createTask(hubspotAuth(deps.box, found.connection), {
    subject: action.subject,
    dueAt: new Date(Date.now() + action.dueInHours * 3_600_000),
    body: `Created by the Leadline automation "${found.rule.name}".`,
    ...(found.hubspotContactId ? { contactId: found.hubspotContactId } : {}),
  });
  await inTenant(async (trx) => {
    const run = await trx
      .selectFrom('automationRuns')
      .select('outcomes')
      .where('id', '=', input.runId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const outcomes: ActionOutcome[] = [...run.outcomes];
    outcomes[input.index] = { type: 'hubspot_task', outcome: 'done', detail: { hubspotTaskId: id } };
    await trx
      .updateTable('automationRuns')
      .set({ outcomes: JSON.stringify(outcomes) })
      .where('id', '=', input.runId)
      .execute();
  });
  return 'created';
}

export function createAutomationTasks(deps: AutomationTaskDeps): AnyTask[] {
  const tasks: AnyTask[] = [
    defineTenantSweep({
      id: SWEEP_TASK_ID,
      schedule: deps.sweepSchedule ?? '* * * * *',
      maxAttempts: 1,
      db: deps.db,
      tenants: (now) => sql`select automation_due_tenant_ids(${now}, ${SWEEP_TENANTS}) as id`,
      visit: (tenant, ctx, now) => tenant.inTenant((trx) => queueDueRules(trx, now, ctx.requestId)),
    }),
    defineTask({
      ...EVALUATE_RULE_TASK,
      async handle({ ruleId }, ctx) {
        await ctx.withTenant((trx) => evaluateAndQueue(trx, ruleId, ctx.requestId));
      },
    }),
    defineTask({
      ...APPLY_RUN_TASK,
      async handle({ runId }, ctx) {
        try {
          await ctx.withTenant((trx) => applyRun(trx, { queueHubspotTask }, runId, ctx.requestId));
        } catch (error) {
          if (ctx.attempt >= APPLY_RUN_TASK.maxAttempts) {
            // The error's code or class only: messages can quote customer data.
            const code =
              error instanceof AppError ? error.code : error instanceof Error ? error.name : 'error';
            await ctx.withTenant((trx) =>
              markRunFailed(trx, runId, `${code}: the actions failed ${ctx.attempt} times`),
            );
          }
          throw error;
        }
      },
    }),
  ];
  const hubspot = deps.hubspot;
  if (hubspot) {
    tasks.push(
      defineTask({
        ...HUBSPOT_TASK_TASK,
        async handle(input, ctx) {
          await createRunHubspotTask((work) => ctx.withTenant(work), hubspot, input);
        },
      }),
    );
  }
  return tasks;
}
