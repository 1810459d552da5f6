import { randomInt } from 'node:crypto';
import type { Scope } from '../accounts/permissions.js';
import type { RequestContext } from '../accounts/principal.js';
import { recordAudit } from '../audit/audit.repository.js';
import { randomToken, sha256 } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import {
  type ApiKeySummary,
  findApiKey,
  insertApiKey,
  listApiKeys,
  markReplaced,
  revokeApiKeyNow,
} from './api-keys.repository.js';

const PUBLIC_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PUBLIC_ID_LENGTH = 16;

/** Who acts: a signed-in user or (for reads) an API key. Recorded in the audit log. */
export interface Actor {
  userId: string | null;
  apiKeyId: string | null;
  context: RequestContext;
}

export interface IssuedApiKey {
  summary: ApiKeySummary;
  /** `ll_<publicId>_<secret>`: returned once, never stored. */
  key: string;
}

/** The visible, non-secret part of a key, shown in listings so people can tell keys apart. */
export function keyPrefix(publicId: string): string {
  return `ll_${publicId}`;
}

/** 16 alphanumerics (~95 bits, uniform via randomInt) find the row; 192 random bits are the secret. */
function newKeyMaterial(): { publicId: string; secret: string; key: string } {
  let publicId = '';
  for (let i = 0; i < PUBLIC_ID_LENGTH; i++)
    publicId += PUBLIC_ID_ALPHABET[randomInt(PUBLIC_ID_ALPHABET.length)];
  const secret = randomToken(24);
  return { publicId, secret, key: `${keyPrefix(publicId)}_${secret}` };
}

export async function createApiKey(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: { name: string; scopes: Scope[]; expiresAt: Date | null },
): Promise<IssuedApiKey> {
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new AppError('validation_failed', 'expiresAt must be in the future', {
      details: [{ path: 'body.expiresAt', message: 'must be in the future' }],
    });
  }
  const material = newKeyMaterial();
  return withTenant(db, tenantId, async (trx) => {
    const summary = await insertApiKey(trx, {
      name: input.name,
      publicId: material.publicId,
      secretHash: sha256(material.secret),
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expiresAt,
      createdBy: actor.userId,
    });
    await recordAudit(trx, {
      action: 'api_key.created',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: {
        apiKeyId: summary.id,
        name: summary.name,
        scopes: summary.scopes,
        expiresAt: summary.expiresAt,
      },
    });
    return { summary, key: material.key };
  });
}

export async function listTenantApiKeys(
  db: Db,
  tenantId: string,
  options: { limit: number; afterId?: string | undefined },
): Promise<ApiKeySummary[]> {
  return withTenant(db, tenantId, (trx) => listApiKeys(trx, options));
}

export async function getApiKey(db: Db, tenantId: string, id: string): Promise<ApiKeySummary> {
  const key = await withTenant(db, tenantId, (trx) => findApiKey(trx, id));
  if (!key) throw new AppError('not_found', 'API key not found');
  return key;
}

/**
 * Issues a replacement with the same name and scopes. The old key keeps working for `graceMs` (its
 * revoked_at is set in the future) so deployments can switch over; `replaced_by` links the two. Without
 * an explicit expiry, the new key gets the old key's lifetime, counted from now.
 */
export async function rotateApiKey(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: { id: string; graceMs: number; expiresAt?: Date | undefined },
): Promise<IssuedApiKey> {
  const material = newKeyMaterial();
  return withTenant(db, tenantId, async (trx) => {
    const old = await findApiKey(trx, input.id);
    if (!old) throw new AppError('not_found', 'API key not found');
    const now = Date.now();
    if (old.revokedAt) throw new AppError('conflict', 'This API key was already revoked or rotated');
    if (old.expiresAt && old.expiresAt.getTime() <= now)
      throw new AppError('conflict', 'This API key has expired');
    const expiresAt =
      input.expiresAt ??
      (old.expiresAt ? new Date(now + (old.expiresAt.getTime() - old.createdAt.getTime())) : null);
    const summary = await insertApiKey(trx, {
      name: old.name,
      publicId: material.publicId,
      secretHash: sha256(material.secret),
      scopes: old.scopes,
      expiresAt,
      createdBy: actor.userId,
    });
    const validUntil = new Date(now + input.graceMs);
    if (!(await markReplaced(trx, old.id, summary.id, validUntil))) {
      throw new AppError('conflict', 'This API key was already revoked or rotated');
    }
    await recordAudit(trx, {
      action: 'api_key.rotated',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { apiKeyId: old.id, replacedBy: summary.id, oldKeyValidUntil: validUntil.toISOString() },
    });
    return { summary, key: material.key };
  });
}

/** Revokes a key at once (ASVS 8.3.2): the next request with it is refused. Idempotent. */
export async function revokeApiKey(db: Db, tenantId: string, actor: Actor, id: string): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const key = await findApiKey(trx, id);
    if (!key) throw new AppError('not_found', 'API key not found');
    if (!(await revokeApiKeyNow(trx, id))) return;
    await recordAudit(trx, {
      action: 'api_key.revoked',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { apiKeyId: id, name: key.name },
    });
  });
}
