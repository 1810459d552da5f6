import { sql } from 'kysely';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import { publishInboxEvent } from '../../realtime/inbox-events.js';
import { findMembership } from '../../tenants/members.repository.js';
import type { PipelineEvent, PipelineStage, StageOutcome } from './pipeline.table.js';

/** A new workspace's pipeline, created the first time it is read. */
export const DEFAULT_STAGES: ReadonlyArray<{
  name: string;
  outcome: StageOutcome;
  autoEvent: PipelineEvent | null;
}> = [
  { name: 'New', outcome: 'open', autoEvent: null },
  { name: 'Qualified', outcome: 'open', autoEvent: 'qualified' },
  { name: 'Quote sent', outcome: 'open', autoEvent: 'quote_sent' },
  { name: 'Won', outcome: 'won', autoEvent: 'quote_accepted' },
  { name: 'Lost', outcome: 'lost', autoEvent: null },
];

export const MAX_STAGES = 20;

/** The workspace's stages in order; the defaults are written the first time (idempotent under races). */
export async function listStages(trx: TenantTransaction): Promise<PipelineStage[]> {
  const stages = await trx
    .selectFrom('pipelineStages')
    .selectAll()
    .orderBy('position')
    .orderBy('id')
    .execute();
  if (stages.length > 0) return stages;
  await trx
    .insertInto('pipelineStages')
    .values(DEFAULT_STAGES.map((stage, position) => ({ ...stage, position })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  return trx.selectFrom('pipelineStages').selectAll().orderBy('position').orderBy('id').execute();
}

/** The stage a contact is in (a contact with none is in the first stage). */
export function stageOf(stages: readonly PipelineStage[], stageId: string | null): PipelineStage | undefined {
  return stageId === null ? stages[0] : stages.find((stage) => stage.id === stageId);
}

function uniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (uniqueViolation(error)) {
      throw new AppError('conflict', 'Another stage already has this name or this automatic event');
    }
    throw error;
  }
}

export interface StageInput {
  name: string;
  outcome: StageOutcome;
  autoEvent: PipelineEvent | null;
}

export async function createStage(trx: TenantTransaction, input: StageInput): Promise<PipelineStage> {
  const stages = await listStages(trx);
  if (stages.length >= MAX_STAGES)
    throw new AppError('conflict', `A pipeline has at most ${MAX_STAGES} stages`);
  const position = (stages.at(-1)?.position ?? -1) + 1;
  return guarded(() =>
    trx
      .insertInto('pipelineStages')
      .values({ ...input, position })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export async function updateStage(
  trx: TenantTransaction,
  id: string,
  input: Partial<StageInput>,
): Promise<PipelineStage> {
  const updated = await guarded(() =>
    trx
      .updateTable('pipelineStages')
      .set({ ...input, updatedAt: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  );
  if (!updated) throw new AppError('not_found', 'Stage not found');
  return updated;
}

/** Deletes a stage; its contacts go back to the first stage. The last stage cannot be deleted. */
/** Deletes a stage; its contacts move to `moveTo` (another stage) or, without it, to the first stage. */
export async function deleteStage(trx: TenantTransaction, id: string, moveTo?: string): Promise<void> {
  const stages = await listStages(trx);
  if (!stages.some((stage) => stage.id === id)) throw new AppError('not_found', 'Stage not found');
  if (stages.length === 1) throw new AppError('conflict', 'A pipeline keeps at least one stage');
  if (moveTo !== undefined) {
    if (moveTo === id || !stages.some((stage) => stage.id === moveTo)) {
      throw new AppError('validation_failed', 'Move the contacts to another stage of the pipeline', {
        details: [{ path: 'querystring.moveTo', message: 'another existing stage' }],
      });
    }
    const first = stages[0];
    await trx
      .updateTable('contacts')
      .set({ stageId: moveTo })
      .where((eb) =>
        first?.id === id
          ? eb.or([eb('stageId', '=', id), eb('stageId', 'is', null)])
          : eb('stageId', '=', id),
      )
      .execute();
  }
  await trx.deleteFrom('pipelineStages').where('id', '=', id).execute();
}

/** Sets the order: `ids` must be every stage of the workspace, once each. */
export async function reorderStages(
  trx: TenantTransaction,
  ids: readonly string[],
): Promise<PipelineStage[]> {
  const stages = await listStages(trx);
  const known = new Set(stages.map((stage) => stage.id));
  if (ids.length !== known.size || new Set(ids).size !== ids.length || !ids.every((id) => known.has(id))) {
    throw new AppError('validation_failed', 'The order must list every stage of the pipeline exactly once');
  }
  // Contacts without a stage are in the first one: pin them before the first stage changes.
  const first = stages[0];
  if (first && ids[0] !== first.id) {
    await trx.updateTable('contacts').set({ stageId: first.id }).where('stageId', 'is', null).execute();
  }
  for (const [position, id] of ids.entries()) {
    await trx.updateTable('pipelineStages').set({ position }).where('id', '=', id).execute();
  }
  return listStages(trx);
}

export type MoveActor = { kind: 'member'; userId: string | null } | { kind: 'event'; event: PipelineEvent };

async function lockContact(trx: TenantTransaction, contactId: string) {
  const contact = await trx
    .selectFrom('contacts')
    .select(['id', 'stageId', 'ownerUserId'])
    .where('id', '=', contactId)
    .forUpdate()
    .executeTakeFirst();
  if (!contact) throw new AppError('not_found', 'Contact not found');
  return contact;
}

async function writeStage(
  trx: TenantTransaction,
  contactId: string,
  from: PipelineStage | undefined,
  to: PipelineStage,
  by: MoveActor,
): Promise<void> {
  await trx
    .updateTable('contacts')
    .set({ stageId: to.id, updatedAt: sql<Date>`now()` })
    .where('id', '=', contactId)
    .execute();
  await trx
    .insertInto('contactEvents')
    .values({
      contactId,
      kind: 'stage_changed',
      detail: JSON.stringify({
        fromStageId: from?.id ?? null,
        fromStage: from?.name ?? null,
        toStageId: to.id,
        toStage: to.name,
        ...(by.kind === 'event' ? { event: by.event } : {}),
      }),
      actorUserId: by.kind === 'member' ? by.userId : null,
    })
    .execute();
  await publishInboxEvent(trx, { type: 'contact.updated', contactId });
}

/** A move by hand (board or contact page): any stage, forwards or back. */
export async function moveContact(
  trx: TenantTransaction,
  contactId: string,
  stageId: string,
  userId: string | null,
): Promise<PipelineStage> {
  const stages = await listStages(trx);
  const to = stages.find((stage) => stage.id === stageId);
  if (!to)
    throw new AppError('validation_failed', 'Unknown stage', {
      details: [{ path: 'body.stageId', message: 'not a stage of this pipeline' }],
    });
  const contact = await lockContact(trx, contactId);
  const from = stageOf(stages, contact.stageId);
  if (from?.id === to.id && contact.stageId !== null) return to;
  await writeStage(trx, contactId, from, to, { kind: 'member', userId });
  return to;
}

/**
 * An event's automatic move: to the stage wired to the event, only forwards (a later stage) and never
 * out of a closed (won or lost) stage; a workspace without a stage for the event moves nothing.
 */
export async function advanceOnEvent(
  trx: TenantTransaction,
  contactId: string,
  event: PipelineEvent,
): Promise<void> {
  const stages = await listStages(trx);
  const to = stages.find((stage) => stage.autoEvent === event);
  if (!to) return;
  const contact = await lockContact(trx, contactId);
  const from = stageOf(stages, contact.stageId);
  if (from && (from.outcome !== 'open' || from.position >= to.position)) return;
  await writeStage(trx, contactId, from, to, { kind: 'event', event });
}

/** Sets or clears a contact's owner, who must be a member of the workspace. */
export async function setOwner(
  trx: TenantTransaction,
  contactId: string,
  ownerUserId: string | null,
  actorUserId: string | null,
): Promise<void> {
  if (ownerUserId !== null && !(await findMembership(trx, ownerUserId))) {
    throw new AppError('not_a_member', 'The owner is not a member of this workspace');
  }
  const contact = await lockContact(trx, contactId);
  if (contact.ownerUserId === ownerUserId) return;
  await trx
    .updateTable('contacts')
    .set({ ownerUserId, updatedAt: sql<Date>`now()` })
    .where('id', '=', contactId)
    .execute();
  await trx
    .insertInto('contactEvents')
    .values({
      contactId,
      kind: 'owner_changed',
      detail: JSON.stringify({ fromUserId: contact.ownerUserId, toUserId: ownerUserId }),
      actorUserId,
    })
    .execute();
}
