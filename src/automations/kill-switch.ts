import type { Actor } from '../api-keys/api-keys.service.js';
import { auditChange } from '../audit/audit.repository.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';

/**
 * The workspace's kill switch (ADR 0042). Pulled, it stops the bot, campaigns and automations at once: the
 * plans gate (`workspaceCanAutomate`) answers `automations_halted`, and every sender asks that gate right
 * before it sends. Inbound messages are still stored. Only a member lifts it again.
 */
export interface KillSwitch {
  halted: boolean;
  haltedAt: Date | null;
  haltedByUserId: string | null;
  reason: string | null;
}

export async function readKillSwitch(trx: TenantTransaction): Promise<KillSwitch> {
  const row = await trx.selectFrom('automationHalts').selectAll().executeTakeFirst();
  if (!row) return { halted: false, haltedAt: null, haltedByUserId: null, reason: null };
  return { halted: true, haltedAt: row.haltedAt, haltedByUserId: row.haltedByUserId, reason: row.reason };
}

/** Pulls the switch (pulling it again keeps the first time and reason). Audited. */
export async function haltAutomations(
  trx: TenantTransaction,
  tenantId: string,
  actor: Actor,
  reason: string | null,
): Promise<KillSwitch> {
  const inserted = await trx
    .insertInto('automationHalts')
    .values({ haltedByUserId: actor.userId, reason })
    .onConflict((oc) => oc.column('tenantId').doNothing())
    .returning('tenantId')
    .executeTakeFirst();
  if (inserted) await auditChange(trx, tenantId, actor, 'automations.halted', { reason });
  return readKillSwitch(trx);
}

/** Lifts the switch: the bot, campaigns (paused ones wait for their resume) and automations run again. */
export async function resumeAutomations(
  trx: TenantTransaction,
  tenantId: string,
  actor: Actor,
): Promise<KillSwitch> {
  const removed = await trx.deleteFrom('automationHalts').returning('tenantId').executeTakeFirst();
  if (removed) await auditChange(trx, tenantId, actor, 'automations.resumed', {});
  return readKillSwitch(trx);
}
