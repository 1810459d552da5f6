import type { Generated, Selectable } from 'kysely';
import type { Role } from '../accounts/permissions.js';

export interface MembershipsTable {
  tenantId: Generated<string>;
  userId: string;
  role: Role;
  createdAt: Generated<Date>;
}
export type Membership = Selectable<MembershipsTable>;

export interface InvitationsTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  email: string;
  role: Role;
  tokenHash: Buffer;
  invitedBy: string | null;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  /** The development setup link's invitation: void as soon as any owner exists. */
  firstOwnerSetup: Generated<boolean>;
  createdAt: Generated<Date>;
}
export type Invitation = Selectable<InvitationsTable>;
