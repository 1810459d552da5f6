import { sql } from 'kysely';
import type { Role } from '../accounts/permissions.js';
import type { Db } from '../platform/db/database.js';
import type { TenantTransaction } from '../platform/db/tenant-context.js';
import type { Invitation } from './members.table.js';

export type InvitationSummary = Omit<Invitation, 'tokenHash' | 'firstOwnerSetup'>;

const SUMMARY = [
  'id',
  'tenantId',
  'email',
  'role',
  'invitedBy',
  'expiresAt',
  'acceptedAt',
  'revokedAt',
  'createdAt',
] as const;

export async function insertInvitation(
  trx: TenantTransaction,
  invitation: {
    email: string;
    role: Role;
    tokenHash: Buffer;
    invitedBy: string | null;
    expiresAt: Date;
    firstOwnerSetup?: boolean;
  },
): Promise<InvitationSummary> {
  return trx.insertInto('invitations').values(invitation).returning(SUMMARY).executeTakeFirstOrThrow();
}

/** Invitations neither accepted, revoked nor expired, newest first. */
export async function listPendingInvitations(
  trx: TenantTransaction,
  limit: number,
): Promise<InvitationSummary[]> {
  return trx
    .selectFrom('invitations')
    .select(SUMMARY)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .where('expiresAt', '>', sql<Date>`now()`)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Revokes one pending invitation; undefined when there is none with that id in this tenant. */
export async function revokeInvitation(
  trx: TenantTransaction,
  id: string,
): Promise<InvitationSummary | undefined> {
  return trx
    .updateTable('invitations')
    .set({ revokedAt: sql`now()` })
    .where('id', '=', id)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .returning(SUMMARY)
    .executeTakeFirst();
}

/** A new invitation replaces earlier pending ones for the same address, so only the latest link works. */
export async function revokePendingFor(trx: TenantTransaction, email: string): Promise<number> {
  const result = await trx
    .updateTable('invitations')
    .set({ revokedAt: sql`now()` })
    .where('email', '=', email)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface InvitationLookup {
  id: string;
  tenantId: string;
  email: string;
  role: Role;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

/** Finds an invitation by its token's hash before any tenant is known (the narrow auth_invitation). */
export async function lookupInvitation(db: Db, tokenHash: Buffer): Promise<InvitationLookup | undefined> {
  const { rows } = await sql<InvitationLookup>`select * from auth_invitation(${tokenHash})`.execute(db);
  return rows[0];
}

/**
 * Marks the invitation used, only if it still is usable. The row lock makes this the single point where
 * two concurrent accepts of one token are decided: one gets the row, the other gets nothing.
 */
export async function claimInvitation(trx: TenantTransaction, id: string): Promise<boolean> {
  const row = await trx
    .updateTable('invitations')
    .set({ acceptedAt: sql`now()` })
    .where('id', '=', id)
    .where('acceptedAt', 'is', null)
    .where('revokedAt', 'is', null)
    .where('expiresAt', '>', sql<Date>`now()`)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
