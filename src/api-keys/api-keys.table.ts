import type { Generated, Selectable } from 'kysely';
import type { Scope } from '../accounts/permissions.js';

export interface ApiKeysTable {
  id: Generated<string>;
  tenantId: Generated<string>;
  name: string;
  /** The visible part of the key (`ll_<publicId>_<secret>`), used to find it. */
  publicId: string;
  /** SHA-256 of the secret part (128+ bits of entropy, so a plain hash is appropriate: ASVS 6.5.2). */
  secretHash: Buffer;
  scopes: Scope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  replacedBy: string | null;
  createdBy: string | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  createdAt: Generated<Date>;
}
export type ApiKey = Selectable<ApiKeysTable>;
