import { recordAudit } from '../audit/audit.repository.js';
import type { ChannelKind } from '../channels/channel-adapter.js';
import { moveContact } from '../contacts/pipeline/pipeline.js';
import { setAssignee } from '../conversations/conversations.repository.js';
import { queueOutboundMessage } from '../conversations/send-ledger.js';
import { addConversationLabel } from '../labels/labels.repository.js';
import { notify } from '../notifications/notify.js';
import { workspaceCanAutomate } from '../plans/plans.service.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import { publishInboxEvent } from '../realtime/inbox-events.js';
import { recipientEligibility } from '../segments/eligibility.js';
import { findMembership } from '../tenants/members.repository.js';
import { countRunsSince, findRule } from './automations.repository.js';
import { ruleAudience, scheduleWindow, workspaceTimeZone } from './automations.service.js';
import type { AutomationRule, AutomationRun } from './automations.table.js';
import type { ActionOutcome, AutomationAction } from './rule-schema.js';
import { EVENT_RULE_INTERVAL_MS, nextOccurrence, startOfLocalDay } from './schedule.js';
import { AUTOMATION_KEY_PREFIX, findCandidates } from './triggers.js';

/** Contacts one evaluation takes at most; a larger audience is worked through in further batches. */
export const EVALUATION_BATCH = 200;

export interface EvaluationOutcome {
  /** Runs created (each has its apply job). */
  runIds: string[];
  /** Another batch is due right away (the batch was full and the cap not reached). */
  more: boolean;
}

/**
 * Looks at one rule now: the contacts its trigger and condition name that it has not acted on in the same
 * window, up to its daily cap and one batch. Each becomes a run row (unique per rule, contact and window, so a
 * second evaluation never adds a second run), which the caller gives an apply job. Also sets when the sweep
 * looks at the rule next.
 */
export async function evaluateRule(
  trx: TenantTransaction,
  ruleId: string,
  now = new Date(),
): Promise<EvaluationOutcome> {
  const rule = await findRule(trx, ruleId, { lock: true });
  if (!rule?.enabled) return { runIds: [], more: false };
  const gate = await workspaceCanAutomate(trx, now);
  const timeZone = await workspaceTimeZone(trx);
  const trigger = rule.trigger;
  const scheduled = trigger.type === 'schedule';
  // A schedule works only once its occurrence is due; event-like triggers every sweep.
  if (!gate.allowed || (scheduled && (rule.nextRunAt === null || rule.nextRunAt > now))) {
    await setNextRun(
      trx,
      rule,
      scheduled ? rule.nextRunAt : new Date(now.getTime() + EVENT_RULE_INTERVAL_MS),
    );
    return { runIds: [], more: false };
  }
  const usedToday = await countRunsSince(trx, rule.id, startOfLocalDay(now, timeZone));
  const room = Math.max(0, Math.min(EVALUATION_BATCH, rule.dailyCap - usedToday));
  const occurrence = scheduleWindow(trigger, rule, timeZone, now);
  const candidates =
    room === 0
      ? []
      : await findCandidates(trx, {
          trigger,
          ruleId: rule.id,
          audience: await ruleAudience(trx, rule),
          now,
          limit: room,
          excludeDone: true,
          ...(occurrence ? { occurrenceKey: occurrence } : {}),
        });
  const runIds: string[] = [];
  if (candidates.length > 0) {
    const inserted = await trx
      .insertInto('automationRuns')
      .values(candidates.map((c) => ({ ruleId: rule.id, contactId: c.contactId, windowKey: c.windowKey })))
      .onConflict((oc) => oc.columns(['tenantId', 'ruleId', 'contactId', 'windowKey']).doNothing())
      .returning('id')
      .execute();
    runIds.push(...inserted.map((row) => row.id));
  }
  const more = candidates.length === room && room > 0;
  const next = scheduled
    ? more
      ? now
      : nextOccurrence(trigger, timeZone, now)
    : new Date(now.getTime() + EVENT_RULE_INTERVAL_MS);
  await setNextRun(trx, rule, next);
  return { runIds, more };
}

async function setNextRun(trx: TenantTransaction, rule: AutomationRule, nextRunAt: Date | null) {
  await trx.updateTable('automationRules').set({ nextRunAt }).where('id', '=', rule.id).execute();
}

/** The contact's most recent conversation, of one channel kind or any. */
async function latestConversation(trx: TenantTransaction, contactId: string, kind?: ChannelKind) {
  let query = trx
    .selectFrom('conversations')
    .select(['id', 'channelKind', 'assigneeUserId'])
    .where('contactId', '=', contactId)
    .orderBy('activityAt', 'desc')
    .orderBy('id', 'desc')
    .limit(1);
  if (kind) query = query.where('channelKind', '=', kind);
  return query.executeTakeFirst();
}

function templateComponents(
  action: Extract<AutomationAction, { type: 'send_template' }>,
  contact: { firstName: string | null; customFields: Record<string, unknown> },
) {
  if (action.template.variables.length === 0) return undefined;
  const parameters = action.template.variables.map((variable) => {
    const raw =
      variable.source === 'contact.firstName'
        ? contact.firstName
        : contact.customFields[variable.source.slice('contact.fields.'.length)];
    const text = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
    return { type: 'text', text: text || variable.fallback };
  });
  return [{ type: 'body', parameters }];
}

interface ActionContext {
  trx: TenantTransaction;
  run: AutomationRun;
  rule: AutomationRule;
  index: number;
  requestId: string;
  contact: {
    id: string;
    firstName: string | null;
    ownerUserId: string | null;
    customFields: Record<string, unknown>;
  };
  /** Called for a HubSpot task: queues its job in this transaction. */
  queueHubspotTask: (trx: TenantTransaction, input: { runId: string; index: number }) => Promise<void>;
}

async function send(
  ctx: ActionContext,
  kind: 'whatsapp' | 'sms',
  action: AutomationAction,
): Promise<ActionOutcome> {
  const conversation = await latestConversation(ctx.trx, ctx.contact.id, kind);
  if (!conversation) return { type: action.type, outcome: 'skipped', reason: 'no_conversation' };
  // Consent and opt-outs are read again now, not when the rule was written or the run was created.
  const eligibility = await recipientEligibility(ctx.trx, ctx.contact.id, kind);
  if (!eligibility.eligible) return { type: action.type, outcome: 'skipped', reason: eligibility.reason };
  const body =
    action.type === 'send_template'
      ? {
          type: 'template' as const,
          template: {
            name: action.template.name,
            language: action.template.language,
            ...(templateComponents(action, ctx.contact)
              ? { components: templateComponents(action, ctx.contact) }
              : {}),
          },
        }
      : { type: 'text' as const, text: action.type === 'send_sms' ? action.text : '' };
  const { message } = await queueOutboundMessage(ctx.trx, {
    conversationId: conversation.id,
    author: 'system',
    body,
    // Per rule, contact and window (the run) and action: a retried job finds its message, never sends twice.
    idempotencyKey: `${AUTOMATION_KEY_PREFIX}${ctx.run.id}:${ctx.index}`,
    requestId: ctx.requestId,
  });
  return {
    type: action.type,
    outcome: 'done',
    detail: { messageId: message.id, conversationId: conversation.id },
  };
}

async function perform(ctx: ActionContext, action: AutomationAction): Promise<ActionOutcome> {
  const { trx, contact } = ctx;
  switch (action.type) {
    case 'send_template':
      return send(ctx, 'whatsapp', action);
    case 'send_sms':
      return send(ctx, 'sms', action);
    case 'assign': {
      const conversation = await latestConversation(trx, contact.id);
      if (!conversation) return { type: action.type, outcome: 'skipped', reason: 'no_conversation' };
      if (action.userId !== null && !(await findMembership(trx, action.userId))) {
        return { type: action.type, outcome: 'skipped', reason: 'not_a_member' };
      }
      if (conversation.assigneeUserId !== action.userId) {
        await setAssignee(trx, conversation.id, action.userId);
        await publishInboxEvent(trx, { type: 'conversation.updated', conversationId: conversation.id });
      }
      return {
        type: action.type,
        outcome: 'done',
        detail: { conversationId: conversation.id, userId: action.userId },
      };
    }
    case 'move_stage': {
      const stage = await moveContact(trx, contact.id, action.stageId, null);
      return { type: action.type, outcome: 'done', detail: { stageId: stage.id } };
    }
    case 'add_label': {
      const conversation = await latestConversation(trx, contact.id);
      if (!conversation) return { type: action.type, outcome: 'skipped', reason: 'no_conversation' };
      const label = await trx
        .selectFrom('labels')
        .select('id')
        .where('id', '=', action.labelId)
        .executeTakeFirst();
      if (!label) return { type: action.type, outcome: 'skipped', reason: 'unknown_label' };
      if (await addConversationLabel(trx, conversation.id, action.labelId)) {
        await publishInboxEvent(trx, { type: 'conversation.updated', conversationId: conversation.id });
      }
      return { type: action.type, outcome: 'done', detail: { conversationId: conversation.id } };
    }
    case 'notify': {
      const userIds =
        action.userIds.length > 0 ? action.userIds : contact.ownerUserId ? [contact.ownerUserId] : [];
      if (userIds.length === 0) return { type: action.type, outcome: 'skipped', reason: 'no_recipient' };
      await notify(trx, {
        kind: 'automation',
        userIds,
        subject: { type: 'contact', id: contact.id },
        title: action.title,
        dedupeKey: `${AUTOMATION_KEY_PREFIX}${ctx.run.id}:${ctx.index}`,
      });
      return { type: action.type, outcome: 'done' };
    }
    case 'hubspot_task': {
      const connected = await trx.selectFrom('hubspotConnections').select('tenantId').executeTakeFirst();
      if (!connected) return { type: action.type, outcome: 'skipped', reason: 'hubspot_not_connected' };
      await ctx.queueHubspotTask(trx, { runId: ctx.run.id, index: ctx.index });
      return { type: action.type, outcome: 'done', detail: { queued: 1 } };
    }
  }
}

export interface ApplyDeps {
  queueHubspotTask: ActionContext['queueHubspotTask'];
}

/**
 * Carries out a pending run's actions in order, in one transaction (all of them or, on an error, none: the
 * job is retried, then dead-lettered). The kill switch and the plan are asked first; a halted workspace
 * or a disabled rule skips the run. Each action is audited; the run records what each one did.
 */
export async function applyRun(
  trx: TenantTransaction,
  deps: ApplyDeps,
  runId: string,
  requestId: string,
): Promise<AutomationRun | undefined> {
  const run = await trx
    .selectFrom('automationRuns')
    .selectAll()
    .where('id', '=', runId)
    .forUpdate()
    .executeTakeFirst();
  if (run?.status !== 'pending') return run;
  const rule = await findRule(trx, run.ruleId);
  const gate = await workspaceCanAutomate(trx);
  const skipReason = !rule?.enabled ? 'rule_disabled' : !gate.allowed ? (gate.reasons[0] ?? 'paused') : null;
  if (skipReason !== null || !rule) return finish(trx, run, { status: 'skipped', skipReason, outcomes: [] });
  const contact = await trx
    .selectFrom('contacts')
    .select(['id', 'firstName', 'ownerUserId', 'customFields'])
    .where('id', '=', run.contactId)
    .executeTakeFirstOrThrow();
  const outcomes: ActionOutcome[] = [];
  for (const [index, action] of rule.actions.entries()) {
    const outcome = await perform(
      { trx, run, rule, index, requestId, contact, queueHubspotTask: deps.queueHubspotTask },
      action,
    );
    outcomes.push(outcome);
    await recordAudit(trx, {
      action: 'automation.action',
      tenantId: rule.tenantId,
      context: null,
      detail: {
        ruleId: rule.id,
        runId: run.id,
        contactId: contact.id,
        type: action.type,
        outcome: outcome.outcome,
        ...(outcome.outcome === 'skipped' ? { reason: outcome.reason } : {}),
      },
    });
  }
  return finish(trx, run, { status: 'done', skipReason: null, outcomes });
}

async function finish(
  trx: TenantTransaction,
  run: AutomationRun,
  result: { status: 'done' | 'skipped'; skipReason: string | null; outcomes: ActionOutcome[] },
) {
  return trx
    .updateTable('automationRuns')
    .set({
      status: result.status,
      skipReason: result.skipReason,
      outcomes: JSON.stringify(result.outcomes),
      finishedAt: new Date(),
    })
    .where('id', '=', run.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The last attempt failed: the run says so (the job itself goes to the dead-letter queue). */
export async function markRunFailed(trx: TenantTransaction, runId: string, error: string): Promise<void> {
  await trx
    .updateTable('automationRuns')
    .set({ status: 'failed', error: error.slice(0, 500), finishedAt: new Date() })
    .where('id', '=', runId)
    .where('status', '=', 'pending')
    .execute();
}
