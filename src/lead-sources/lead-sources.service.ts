import { sql } from 'kysely';
import { type AuditActor, auditChange } from '../audit/audit.repository.js';
import type { Config } from '../platform/config/config.js';
import { SecretBox } from '../platform/crypto/secret-box.js';
import { randomToken } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { isUuid, type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import type { LeadSource } from './lead-sources.table.js';

/** After a rotation the previous secret keeps verifying this long, so senders can switch without a gap. */
export const ROTATION_GRACE_HOURS = 24;
const MAX_SOURCES = 50;

export function leadSourceSecretBox(config: Pick<Config, 'secretKey' | 'previousSecretKeys'>): SecretBox {
  return new SecretBox(config.secretKey, 'lead-source', config.previousSecretKeys);
}

/** A source as the API shows it: never its secrets. */
export type LeadSourceSummary = Omit<
  LeadSource,
  'secretSealed' | 'previousSecretSealed' | 'phantombusterKeySealed' | 'tenantId'
>;

function summary(source: LeadSource): LeadSourceSummary {
  const { secretSealed, previousSecretSealed, phantombusterKeySealed, tenantId, ...rest } = source;
  return rest;
}

export type NewLeadSource =
  | { kind: 'webhook'; name: string }
  | {
      kind: 'phantombuster';
      name: string;
      agentId: string;
      apiKey: string;
      defaultCountry: string | null;
    };

const newSecret = () => `lls_${randomToken(32)}`;

async function findSource(trx: TenantTransaction, id: string, lock = false): Promise<LeadSource> {
  if (!isUuid(id)) throw new AppError('not_found', 'Lead source not found');
  let query = trx.selectFrom('leadSources').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  const found = await query.executeTakeFirst();
  if (!found) throw new AppError('not_found', 'Lead source not found');
  return found;
}

/** Creates a source; a webhook source's secret is returned here once (and only sealed afterwards). */
export async function createLeadSource(
  db: Db,
  config: Config,
  tenantId: string,
  actor: AuditActor,
  input: NewLeadSource,
): Promise<{ source: LeadSourceSummary; secret: string | null }> {
  const box = leadSourceSecretBox(config);
  const secret = input.kind === 'webhook' ? newSecret() : null;
  return withTenant(db, tenantId, async (trx) => {
    const { count } = await trx
      .selectFrom('leadSources')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    if (Number(count) >= MAX_SOURCES) {
      throw new AppError('conflict', `A workspace has at most ${MAX_SOURCES} lead sources`);
    }
    const created = await trx
      .insertInto('leadSources')
      .values({
        name: input.name,
        kind: input.kind,
        secretSealed: secret ? box.seal(secret) : null,
        previousSecretSealed: null,
        previousSecretExpiresAt: null,
        phantombusterAgentId: input.kind === 'phantombuster' ? input.agentId : null,
        phantombusterKeySealed: input.kind === 'phantombuster' ? box.seal(input.apiKey) : null,
        defaultCountry: input.kind === 'phantombuster' ? input.defaultCountry : null,
        disabledAt: null,
        lastReceivedAt: null,
      })
      .onConflict((oc) => oc.columns(['tenantId', 'name']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!created) throw new AppError('conflict', 'A lead source with this name already exists');
    await auditChange(trx, tenantId, actor, 'lead_source.created', {
      sourceId: created.id,
      kind: created.kind,
    });
    return { source: summary(created), secret };
  });
}

export async function listLeadSources(db: Db, tenantId: string): Promise<LeadSourceSummary[]> {
  const rows = await withTenant(db, tenantId, (trx) =>
    trx.selectFrom('leadSources').selectAll().orderBy('name').orderBy('id').limit(MAX_SOURCES).execute(),
  );
  return rows.map(summary);
}

/**
 * A new signing secret, returned once; the previous one keeps verifying for ROTATION_GRACE_HOURS (a
 * second rotation within the grace ends the first secret's grace at once).
 */
export async function rotateLeadSourceSecret(
  db: Db,
  config: Config,
  tenantId: string,
  actor: AuditActor,
  id: string,
): Promise<{ source: LeadSourceSummary; secret: string }> {
  const box = leadSourceSecretBox(config);
  const secret = newSecret();
  return withTenant(db, tenantId, async (trx) => {
    const source = await findSource(trx, id, true);
    if (source.kind !== 'webhook') {
      throw new AppError('conflict', 'Only webhook sources sign their deliveries with a secret');
    }
    const rotated = await trx
      .updateTable('leadSources')
      .set({
        secretSealed: box.seal(secret),
        previousSecretSealed: source.secretSealed,
        previousSecretExpiresAt: sql<Date>`now() + make_interval(hours => ${ROTATION_GRACE_HOURS})`,
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditChange(trx, tenantId, actor, 'lead_source.secret_rotated', { sourceId: id });
    return { source: summary(rotated), secret };
  });
}

/** Disabled sources refuse deliveries (404, like an unknown source); enabling them again is allowed. */
export async function setLeadSourceEnabled(
  db: Db,
  tenantId: string,
  actor: AuditActor,
  id: string,
  enabled: boolean,
): Promise<LeadSourceSummary> {
  return withTenant(db, tenantId, async (trx) => {
    await findSource(trx, id, true);
    const updated = await trx
      .updateTable('leadSources')
      .set({ disabledAt: enabled ? null : new Date(), updatedAt: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditChange(trx, tenantId, actor, enabled ? 'lead_source.enabled' : 'lead_source.disabled', {
      sourceId: id,
    });
    return summary(updated);
  });
}
