import type { z } from 'zod';
import type { Actor } from '../api-keys/api-keys.service.js';
import { recordAudit } from '../audit/audit.repository.js';
import { randomToken } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { type TenantTransaction, withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import type { ZCallbackSettings, ZNewWidget, ZWidgetChanges } from './widgets.fields.js';
import type { CallbackSettings, CallbackWidget } from './widgets.table.js';

export const DEFAULT_SETTINGS: Omit<CallbackSettings, 'tenantId' | 'updatedAt'> = {
  allowedCountries: [],
  retryAfterMinutes: 10,
  maxRetries: 2,
  machineDetection: false,
  perNumberPerDay: 3,
  perWidgetPerDay: 200,
  notifyEmail: null,
  notifySmsE164: null,
};

export async function findSettings(
  trx: TenantTransaction,
): Promise<Omit<CallbackSettings, 'tenantId' | 'updatedAt'>> {
  const row = await trx.selectFrom('callbackSettings').selectAll().executeTakeFirst();
  return row ?? DEFAULT_SETTINGS;
}

export async function saveSettings(
  db: Db,
  tenantId: string,
  actor: Actor,
  settings: z.infer<typeof ZCallbackSettings>,
): Promise<void> {
  await withTenant(db, tenantId, async (trx) => {
    const values = { ...settings, allowedCountries: [...new Set(settings.allowedCountries)].sort() };
    await trx
      .insertInto('callbackSettings')
      .values(values)
      .onConflict((conflict) => conflict.column('tenantId').doUpdateSet({ ...values, updatedAt: new Date() }))
      .execute();
    await recordAudit(trx, {
      action: 'callback_settings.updated',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { allowedCountries: values.allowedCountries },
    });
  });
}

async function checkCallerNumber(
  trx: TenantTransaction,
  callerNumberId: string | null | undefined,
): Promise<void> {
  if (!callerNumberId) return;
  const number = await trx
    .selectFrom('twilioNumbers')
    .select(['id', 'voice'])
    .where('id', '=', callerNumberId)
    .executeTakeFirst();
  if (!number?.voice) {
    throw new AppError(
      'validation_failed',
      'The caller number must be one of the workspace’s voice numbers',
      {
        details: [{ path: 'callerNumberId', message: 'not a voice number of this workspace' }],
      },
    );
  }
}

export async function findWidget(trx: TenantTransaction, id: string): Promise<CallbackWidget | undefined> {
  return trx.selectFrom('callbackWidgets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function createWidget(
  db: Db,
  tenantId: string,
  actor: Actor,
  input: z.infer<typeof ZNewWidget>,
): Promise<CallbackWidget> {
  return withTenant(db, tenantId, async (trx) => {
    await checkCallerNumber(trx, input.callerNumberId);
    const widget = await trx
      .insertInto('callbackWidgets')
      .values({
        ...input,
        publicKey: `wk_${randomToken(18)}`,
        texts: JSON.stringify(input.texts),
        colors: JSON.stringify(input.colors),
        disabledAt: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      action: 'callback_widget.created',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { widgetId: widget.id },
    });
    return widget;
  });
}

export async function changeWidget(
  db: Db,
  tenantId: string,
  actor: Actor,
  id: string,
  changes: z.infer<typeof ZWidgetChanges>,
): Promise<CallbackWidget> {
  return withTenant(db, tenantId, async (trx) => {
    await checkCallerNumber(trx, changes.callerNumberId);
    const { disabled, texts, colors, ...rest } = changes;
    const updated = await trx
      .updateTable('callbackWidgets')
      .set({
        ...rest,
        ...(texts ? { texts: JSON.stringify(texts) } : {}),
        ...(colors ? { colors: JSON.stringify(colors) } : {}),
        ...(disabled === undefined ? {} : { disabledAt: disabled ? new Date() : null }),
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new AppError('not_found', 'Widget not found');
    await recordAudit(trx, {
      action: 'callback_widget.updated',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: { widgetId: id, changed: Object.keys(changes).sort() },
    });
    return updated;
  });
}

export async function listWidgets(
  trx: TenantTransaction,
  page: { limit: number; cursor?: string },
): Promise<CallbackWidget[]> {
  let query = trx
    .selectFrom('callbackWidgets')
    .selectAll()
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc');
  if (page.cursor) {
    const after = await findWidget(trx, page.cursor);
    if (!after) throw new AppError('bad_request', 'Unknown cursor');
    query = query.where((eb) =>
      eb.or([
        eb('createdAt', '<', after.createdAt),
        eb.and([eb('createdAt', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    );
  }
  return query.limit(page.limit).execute();
}
