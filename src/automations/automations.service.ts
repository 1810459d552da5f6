import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import { calendarFor } from '../business-hours/business-hours.service.js';
import { listStages } from '../contacts/pipeline/pipeline.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError, type ErrorDetail } from '../platform/http/app-error.js';
import { type Page, type PageCursor, pageOf } from '../platform/http/cursor.js';
import { loadSegment, segmentContactIds } from '../segments/audience.js';
import { findMembership } from '../tenants/members.repository.js';
import { findRule, listRules, listRuns } from './automations.repository.js';
import type { AutomationRule, AutomationRun, RunStatus } from './automations.table.js';
import type { AutomationTrigger, RuleInput } from './rule-schema.js';
import { firstRunAt, nextOccurrence, occurrenceKey } from './schedule.js';
import { type Candidate, findCandidates } from './triggers.js';

/** The workspace's time zone for schedules and daily caps: its business-hours calendar's, else UTC. */
export async function workspaceTimeZone(trx: TenantTransaction): Promise<string> {
  return (await calendarFor(trx, null))?.timeZone ?? 'UTC';
}

/** The rule's condition as a subquery of contact ids; null: every contact the trigger names. */
export async function ruleAudience(trx: TenantTransaction, rule: Pick<AutomationRule, 'segmentId'>) {
  if (rule.segmentId === null) return null;
  const segment = await loadSegment(trx, rule.segmentId);
  return segmentContactIds(trx, segment.filter);
}

/**
 * What the schema cannot check: the segment, stage, label and members a rule names are this workspace's.
 * A rule naming something else is refused whole (400 with each problem), never saved half-valid.
 */
async function checkReferences(trx: TenantTransaction, input: RuleInput): Promise<void> {
  const details: ErrorDetail[] = [];
  if (input.trigger.type === 'schedule' && input.segmentId === null) {
    details.push({ path: 'body.segmentId', message: 'a scheduled rule needs a segment (whom to reach)' });
  }
  if (input.segmentId !== null) {
    const found = await trx
      .selectFrom('segments')
      .select('id')
      .where('id', '=', input.segmentId)
      .executeTakeFirst();
    if (!found) details.push({ path: 'body.segmentId', message: 'not a segment of this workspace' });
  }
  const stageIds = new Set((await listStages(trx)).map((stage) => stage.id));
  if (input.trigger.type === 'stage_entered' && !stageIds.has(input.trigger.stageId)) {
    details.push({ path: 'body.trigger.stageId', message: 'not a stage of this pipeline' });
  }
  for (const [index, action] of input.actions.entries()) {
    const path = `body.actions.${index}`;
    if (action.type === 'move_stage' && !stageIds.has(action.stageId)) {
      details.push({ path: `${path}.stageId`, message: 'not a stage of this pipeline' });
    }
    if (action.type === 'add_label') {
      const label = await trx
        .selectFrom('labels')
        .select('id')
        .where('id', '=', action.labelId)
        .executeTakeFirst();
      if (!label) details.push({ path: `${path}.labelId`, message: 'not a label of this workspace' });
    }
    const userIds =
      action.type === 'assign' ? [action.userId] : action.type === 'notify' ? action.userIds : [];
    for (const userId of userIds) {
      if (userId !== null && !(await findMembership(trx, userId))) {
        details.push({ path: `${path}`, message: 'names someone who is not a member of this workspace' });
      }
    }
  }
  if (details.length > 0)
    throw new AppError('validation_failed', 'The rule names something unknown', { details });
}

const stored = (input: RuleInput) => ({
  name: input.name,
  trigger: JSON.stringify(input.trigger),
  segmentId: input.segmentId,
  actions: JSON.stringify(input.actions),
  dailyCap: input.dailyCap,
});

async function audit(
  trx: TenantTransaction,
  tenantId: string,
  actor: Actor,
  action: string,
  rule: AutomationRule,
) {
  await auditChange(trx, tenantId, actor, action, {
    ruleId: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    trigger: rule.trigger.type,
    actions: rule.actions.map((a) => a.type),
  });
}

/** New rules start disabled: a dry run first, then enable. */
export async function createRule(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: RuleInput,
): Promise<AutomationRule> {
  return withTenant(db, tenantId, async (trx) => {
    await checkReferences(trx, input);
    const rule = await trx
      .insertInto('automationRules')
      .values({ ...stored(input), createdByUserId: actor.userId })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, tenantId, actor, 'automation.created', rule);
    return rule;
  });
}

async function mustFind(trx: TenantTransaction, id: string, lock = false): Promise<AutomationRule> {
  const rule = await findRule(trx, id, { lock });
  if (!rule) throw new AppError('not_found', 'Automation not found');
  return rule;
}

/** Replaces a rule's definition; an enabled rule stays enabled and is looked at again from now. */
export async function updateRule(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  input: RuleInput,
): Promise<AutomationRule> {
  return withTenant(db, tenantId, async (trx) => {
    const current = await mustFind(trx, id, true);
    await checkReferences(trx, input);
    const now = new Date();
    const nextRunAt = current.enabled ? firstRunAt(input.trigger, await workspaceTimeZone(trx), now) : null;
    const rule = await trx
      .updateTable('automationRules')
      .set({ ...stored(input), nextRunAt, updatedAt: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, tenantId, actor, 'automation.updated', rule);
    return rule;
  });
}

export async function setRuleEnabled(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  enabled: boolean,
): Promise<AutomationRule> {
  return withTenant(db, tenantId, async (trx) => {
    const current = await mustFind(trx, id, true);
    if (current.enabled === enabled) return current;
    const now = new Date();
    const rule = await trx
      .updateTable('automationRules')
      .set({
        enabled,
        enabledAt: enabled ? now : current.enabledAt,
        nextRunAt: enabled ? firstRunAt(current.trigger, await workspaceTimeZone(trx), now) : null,
        updatedAt: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, tenantId, actor, enabled ? 'automation.enabled' : 'automation.disabled', rule);
    return rule;
  });
}

export async function deleteRule(db: Db, tenantId: string, actor: Actor, id: string): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const rule = await mustFind(trx, id, true);
    await trx.deleteFrom('automationRules').where('id', '=', id).execute();
    await audit(trx, tenantId, actor, 'automation.deleted', rule);
  });
}

export async function getRule(db: Db, tenantId: string, id: string): Promise<AutomationRule> {
  return withTenant(db, tenantId, (trx) => mustFind(trx, id));
}

export async function pageOfRules(
  db: Db,
  tenantId: string,
  options: { limit: number; after?: PageCursor | undefined },
): Promise<Page<AutomationRule>> {
  return withTenant(db, tenantId, async (trx) => {
    const rows = await listRules(trx, { limit: options.limit + 1, after: options.after });
    return pageOf(rows, options.limit, (rule) => ({ at: rule.createdAt, id: rule.id }));
  });
}

export async function pageOfRuns(
  db: Db,
  tenantId: string,
  ruleId: string,
  options: { limit: number; after?: PageCursor | undefined; status?: RunStatus | undefined },
): Promise<Page<AutomationRun>> {
  return withTenant(db, tenantId, async (trx) => {
    await mustFind(trx, ruleId);
    const rows = await listRuns(trx, ruleId, { ...options, limit: options.limit + 1 });
    return pageOf(rows, options.limit, (run) => ({ at: run.createdAt, id: run.id }));
  });
}

/** The window a scheduled rule works through now: its occurrence that is due (or the next one). */
export function scheduleWindow(
  trigger: AutomationTrigger,
  rule: Pick<AutomationRule, 'nextRunAt'>,
  timeZone: string,
  now: Date,
) {
  if (trigger.type !== 'schedule') return undefined;
  const occurrence =
    rule.nextRunAt && rule.nextRunAt <= now ? rule.nextRunAt : nextOccurrence(trigger, timeZone, now);
  return occurrenceKey(occurrence, timeZone);
}

export interface DryRunEntry extends Candidate {
  name: string | null;
  /** Already acted on in this window (a real run would leave them out). */
  alreadyDone: boolean;
}

/** Who the rule would act on now (at most `limit`), with nothing written and nothing sent. */
export async function dryRun(db: Db, tenantId: string, id: string, limit: number) {
  return withTenant(db, tenantId, async (trx) => {
    const rule = await mustFind(trx, id);
    const now = new Date();
    const timeZone = await workspaceTimeZone(trx);
    const occurrence = scheduleWindow(rule.trigger, rule, timeZone, now);
    const candidates = await findCandidates(trx, {
      trigger: rule.trigger,
      ruleId: rule.id,
      audience: await ruleAudience(trx, rule),
      now,
      limit,
      excludeDone: false,
      ...(occurrence ? { occurrenceKey: occurrence } : {}),
    });
    if (candidates.length === 0) return [];
    const ids = [...new Set(candidates.map((c) => c.contactId))];
    const contacts = await trx
      .selectFrom('contacts')
      .select(['id', 'displayName', 'firstName', 'lastName'])
      .where('id', 'in', ids)
      .execute();
    const names = new Map(
      contacts.map((c) => [
        c.id,
        [c.firstName, c.lastName].filter(Boolean).join(' ') || c.displayName || null,
      ]),
    );
    const done = await trx
      .selectFrom('automationRuns')
      .select(['contactId', 'windowKey'])
      .where('ruleId', '=', rule.id)
      .where('contactId', 'in', ids)
      .execute();
    const doneKeys = new Set(done.map((d) => `${d.contactId}|${d.windowKey}`));
    return candidates.map(
      (c): DryRunEntry => ({
        ...c,
        name: names.get(c.contactId) ?? null,
        alreadyDone: doneKeys.has(`${c.contactId}|${c.windowKey}`),
      }),
    );
  });
}
