import { type Command, InvalidArgumentError } from 'commander';
import { changePlan, type Limits, type PlanStatus, readPlanStatus } from '../plans/plans.service.js';
import type { Db } from '../platform/db/database.js';
import { isUuid } from '../platform/db/tenant-context.js';

export type WithAppDb = <T>(work: (db: Db) => Promise<T>) => Promise<T>;

function workspaceId(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('must be a workspace id (UUID)');
  return value;
}

// Commander turns a parser's null into '': "none" stays a word until the action reads it.
type Limit = number | 'none';
const orNull = (value: Limit | undefined) => (value === 'none' ? null : value);

/** A limit: a whole number, or `none` for unlimited. */
function limit(value: string): Limit {
  if (value === 'none') return value;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) {
    throw new InvalidArgumentError('must be a whole number or "none"');
  }
  return parsed;
}

/** Dollars, e.g. 25 or 12.50, or `none`. */
function dollars(value: string): Limit {
  if (value === 'none') return value;
  if (!/^\d{1,7}(\.\d{1,6})?$/.test(value))
    throw new InvalidArgumentError('must be an amount in USD or "none"');
  return Math.round(Number(value) * 1e6);
}

function day(value: string): Date {
  const parsed = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(parsed.getTime())) {
    throw new InvalidArgumentError('must be a date (YYYY-MM-DD or an ISO time)');
  }
  return parsed;
}

const METER_NAMES: Record<string, string> = {
  members: 'members',
  channels: 'channels',
  conversations: 'conversations this month',
  llmSpendMicros: 'LLM spend this month (USD)',
  campaignRecipients: 'campaign recipients this month',
};

export function formatPlanStatus(status: PlanStatus): string {
  const { plan, gate } = status;
  const lines = [
    `state: ${plan.state}${plan.trialEndsAt ? ` (trial until ${plan.trialEndsAt.toISOString()})` : ''}`,
  ];
  if (plan.suspendedReason) lines.push(`reason: ${plan.suspendedReason}`);
  for (const reading of status.meters) {
    const money = reading.meter === 'llmSpendMicros';
    const show = (n: number | null) => (n === null ? 'unlimited' : money ? (n / 1e6).toFixed(2) : String(n));
    lines.push(`${METER_NAMES[reading.meter]}: ${show(reading.used)} / ${show(reading.limit)}`);
  }
  lines.push(
    `bot and automations: ${gate.allowed ? 'running' : `paused (${gate.reasons.join(', ')})`}` +
      (gate.allowed && gate.llmSpendReached ? '; LLM spend limit reached, the qualifier answers' : ''),
  );
  return `${lines.join('\n')}\n`;
}

/** `leadline workspace plan|suspend|activate`: the instance operator's plan controls. */
export function registerPlanCommands(program: Command, withAppDb: WithAppDb): void {
  const workspace = program.command('workspace').description("instance operator: workspaces' plans");
  workspace
    .command('plan')
    .description("show a workspace's plan and usage, or change it (options left out are kept)")
    .argument('<workspace-id>', 'the workspace', workspaceId)
    .option('--trial-until <date>', 'put the workspace on trial until this date', day)
    .option('--active', 'make the workspace active (ends a trial or a suspension)')
    .option('--members <n>', 'most members (pending invitations count), or none', limit)
    .option('--channels <n>', 'most channels, or none', limit)
    .option('--conversations <n>', 'most conversations started per month, or none', limit)
    .option('--llm-spend <usd>', 'most estimated LLM spend per month in USD, or none', dollars)
    .option('--campaign-recipients <n>', 'most campaign recipients per month, or none', limit)
    .action(
      async (
        id: string,
        options: {
          trialUntil?: Date;
          active?: boolean;
          members?: Limit;
          channels?: Limit;
          conversations?: Limit;
          llmSpend?: Limit;
          campaignRecipients?: Limit;
        },
      ) => {
        if (options.trialUntil && options.active) {
          throw new InvalidArgumentError('--trial-until and --active exclude each other');
        }
        const limits: Partial<Limits> = {};
        if (options.members !== undefined) limits.members = orNull(options.members) ?? null;
        if (options.channels !== undefined) limits.channels = orNull(options.channels) ?? null;
        if (options.conversations !== undefined) limits.conversations = orNull(options.conversations) ?? null;
        if (options.llmSpend !== undefined) limits.llmSpendMicros = orNull(options.llmSpend) ?? null;
        if (options.campaignRecipients !== undefined)
          limits.campaignRecipients = orNull(options.campaignRecipients) ?? null;
        const state = options.trialUntil ? 'trial' : options.active ? 'active' : undefined;
        const changes = state !== undefined || Object.keys(limits).length > 0;
        await withAppDb(async (db) => {
          const status = changes
            ? await changePlan(db, id, { state, trialEndsAt: options.trialUntil, limits })
            : await readPlanStatus(db, id);
          process.stdout.write(formatPlanStatus(status));
        });
      },
    );
  workspace
    .command('suspend')
    .description('suspend a workspace: inbound messages are still stored; its bot and automations pause')
    .argument('<workspace-id>', 'the workspace', workspaceId)
    .option('--reason <text>', 'shown to the workspace in its dashboard')
    .action(async (id: string, options: { reason?: string }) => {
      await withAppDb(async (db) => {
        const reason = options.reason?.trim().slice(0, 500) || null;
        process.stdout.write(
          formatPlanStatus(await changePlan(db, id, { state: 'suspended', suspendedReason: reason })),
        );
      });
    });
  workspace
    .command('activate')
    .description('activate a workspace (ends a suspension or a trial)')
    .argument('<workspace-id>', 'the workspace', workspaceId)
    .action(async (id: string) => {
      await withAppDb(async (db) => {
        process.stdout.write(formatPlanStatus(await changePlan(db, id, { state: 'active' })));
      });
    });
}
