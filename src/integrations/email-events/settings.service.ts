import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditActor } from '../../audit/audit.repository.js';
import { auditChange } from '../../audit/audit.repository.js';
import type { Config } from '../../platform/config/config.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import type { TenantTransaction } from '../../platform/db/tenant-context.js';
import { AppError } from '../../platform/http/app-error.js';
import type { EmailEventSettings } from './email-events.table.js';

/** URL credentials and the Lemlist API key are sealed under their own purpose with the instance keys. */
export function emailEventsSecretBox(config: Pick<Config, 'secretKey' | 'previousSecretKeys'>): SecretBox {
  return new SecretBox(config.secretKey, 'email-events', config.previousSecretKeys);
}

/** 32 random bytes, URL-safe: unguessable, and safe both as a path segment and as a Basic-auth password. */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function newPostmarkUser(): string {
  return `leadline-${randomBytes(6).toString('hex')}`;
}

export async function findEmailEventSettings(
  trx: TenantTransaction,
): Promise<EmailEventSettings | undefined> {
  return trx.selectFrom('emailEventSettings').selectAll().executeTakeFirst();
}

/** The workspace's settings, created with fresh URL credentials the first time anyone asks. */
export async function ensureEmailEventSettings(
  trx: TenantTransaction,
  box: SecretBox,
): Promise<EmailEventSettings> {
  await trx
    .insertInto('emailEventSettings')
    .values({
      postmarkUser: newPostmarkUser(),
      postmarkSecretSealed: box.seal(newSecret()),
      lemlistSecretSealed: box.seal(newSecret()),
    })
    .onConflict((oc) => oc.column('tenantId').doNothing())
    .execute();
  return trx.selectFrom('emailEventSettings').selectAll().executeTakeFirstOrThrow();
}

/** Constant-time comparison of a presented credential with the stored one (lengths checked first). */
export function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface WebhookUrls {
  /** For Postmark's webhook settings: Basic-auth credentials in the URL (Postmark does not sign). */
  postmark: string;
  /** For Lemlist's webhook (`POST /api/hooks` or its settings page): the secret is the last segment. */
  lemlist: string;
}

export function postmarkWebhookPath(tenantId: string): string {
  return `/webhooks/postmark/${tenantId}`;
}

export function lemlistWebhookPath(tenantId: string, secret: string): string {
  return `/webhooks/lemlist/${tenantId}/${secret}`;
}

export function webhookUrls(
  config: Pick<Config, 'http'>,
  box: SecretBox,
  tenantId: string,
  settings: EmailEventSettings,
): WebhookUrls {
  const base = new URL(config.http.publicUrl);
  const postmark = new URL(postmarkWebhookPath(tenantId), base);
  postmark.username = settings.postmarkUser;
  postmark.password = box.open(settings.postmarkSecretSealed);
  const lemlist = new URL(lemlistWebhookPath(tenantId, box.open(settings.lemlistSecretSealed)), base);
  return { postmark: postmark.toString(), lemlist: lemlist.toString() };
}

/**
 * Replaces one provider's URL credential: the old URL stops working at once (401), so the new URL must
 * be pasted into the provider right away. Audited without the secret.
 */
export async function rotateWebhookSecret(
  trx: TenantTransaction,
  box: SecretBox,
  tenantId: string,
  actor: AuditActor,
  provider: 'postmark' | 'lemlist',
): Promise<EmailEventSettings> {
  await ensureEmailEventSettings(trx, box);
  const changes =
    provider === 'postmark'
      ? { postmarkUser: newPostmarkUser(), postmarkSecretSealed: box.seal(newSecret()) }
      : { lemlistSecretSealed: box.seal(newSecret()) };
  const saved = await trx
    .updateTable('emailEventSettings')
    .set({ ...changes, updatedAt: new Date() })
    .returningAll()
    .executeTakeFirstOrThrow();
  await auditChange(trx, tenantId, actor, 'email_events.secret_rotated', { provider });
  return saved;
}

/** Stores the Lemlist API key (already accepted by Lemlist), sealed. */
export async function saveLemlistKey(
  trx: TenantTransaction,
  box: SecretBox,
  tenantId: string,
  actor: AuditActor,
  apiKey: string,
): Promise<EmailEventSettings> {
  await ensureEmailEventSettings(trx, box);
  const saved = await trx
    .updateTable('emailEventSettings')
    .set({ lemlistApiKeySealed: box.seal(apiKey), lemlistConnectedAt: new Date(), updatedAt: new Date() })
    .returningAll()
    .executeTakeFirstOrThrow();
  await auditChange(trx, tenantId, actor, 'lemlist.connected', {});
  return saved;
}

export async function forgetLemlistKey(
  trx: TenantTransaction,
  tenantId: string,
  actor: AuditActor,
): Promise<void> {
  const updated = await trx
    .updateTable('emailEventSettings')
    .set({ lemlistApiKeySealed: null, lemlistConnectedAt: null, updatedAt: new Date() })
    .where('lemlistApiKeySealed', 'is not', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw new AppError('not_found', 'Lemlist is not connected');
  await auditChange(trx, tenantId, actor, 'lemlist.disconnected', {});
}

/** The workspace's Lemlist API key, opened, or undefined when Lemlist is not connected. */
export async function lemlistApiKey(trx: TenantTransaction, box: SecretBox): Promise<string | undefined> {
  const settings = await findEmailEventSettings(trx);
  return settings?.lemlistApiKeySealed ? box.open(settings.lemlistApiKeySealed) : undefined;
}
