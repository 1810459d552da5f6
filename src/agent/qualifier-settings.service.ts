import type { RequestContext } from '../accounts/principal.js';
import { recordAudit } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import {
  findQualifierSettings,
  lockQualifierSettings,
  type PromptOverrides,
  type QualifierSettingsValues,
  saveQualifierSettings,
} from './qualifier-settings.repository.js';

export interface SettingsActor {
  userId: string | null;
  apiKeyId: string | null;
  context: RequestContext;
}

export async function getQualifierSettings(db: Db, tenantId: string) {
  return withTenant(db, tenantId, (trx) => findQualifierSettings(trx));
}

/** Which prompt ids a tenant overrides, per language: what the audit records instead of the texts. */
function overriddenIds(prompts: PromptOverrides): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(prompts).map(([language, texts]) => [language, Object.keys(texts ?? {}).sort()]),
  );
}

/** Prompt ids whose text was added, changed or removed, as `language.id`. */
function changedPrompts(before: PromptOverrides, after: PromptOverrides): string[] {
  const keys = new Set<string>();
  for (const prompts of [before, after]) {
    for (const [language, texts] of Object.entries(prompts)) {
      for (const id of Object.keys(texts ?? {})) keys.add(`${language}.${id}`);
    }
  }
  return [...keys]
    .filter((key) => {
      const [language, id] = key.split('.') as [keyof PromptOverrides, string];
      return before[language]?.[id] !== after[language]?.[id];
    })
    .sort();
}

/**
 * Replaces the tenant's qualifier settings (PUT semantics: prompts left out are no longer overridden) and
 * audits the change in the same transaction. The audit names what changed, not the prompt texts.
 */
export async function replaceQualifierSettings(
  db: Db,
  tenantId: string,
  actor: SettingsActor,
  values: QualifierSettingsValues,
) {
  return withTenant(db, tenantId, async (trx) => {
    await lockQualifierSettings(trx);
    const before = await findQualifierSettings(trx);
    const saved = await saveQualifierSettings(trx, values);
    await recordAudit(trx, {
      action: 'qualifier_settings.updated',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: {
        defaultLanguage: { from: before.defaultLanguage, to: saved.defaultLanguage },
        requiredFields: { from: before.requiredFields, to: saved.requiredFields },
        confirmProfile: { from: before.confirmProfile, to: saved.confirmProfile },
        changedPrompts: changedPrompts(before.prompts, saved.prompts),
        overriddenPrompts: overriddenIds(saved.prompts),
      },
    });
    return saved;
  });
}
