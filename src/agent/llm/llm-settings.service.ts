import { randomUUID } from 'node:crypto';
import { recordAudit } from '../../audit/audit.repository.js';
import type { Config } from '../../platform/config/config.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/database.js';
import { withTenant } from '../../platform/db/tenant-context.js';
import { AppError, type ErrorDetail } from '../../platform/http/app-error.js';
import type { SettingsActor } from '../qualifier-settings.service.js';
import type { ProviderKind, StoredProvider } from './llm.table.js';
import {
  defaultLlmSettings,
  findLlmSettings,
  LLM_KEY_PURPOSE,
  type LlmSettings,
  type LlmSettingsValues,
  saveLlmSettings,
} from './llm-settings.repository.js';
import { baseUrlProblem } from './providers/guarded-fetch.js';

export interface ProviderInput {
  /** An entry already saved: its key is kept unless `apiKey` is given. */
  id?: string | undefined;
  kind: ProviderKind;
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
}

export type LlmSettingsInput = Omit<LlmSettingsValues, 'providers'> & { providers: ProviderInput[] };

export async function getLlmSettings(db: Db, tenantId: string): Promise<LlmSettings> {
  const found = await withTenant(db, tenantId, (trx) => findLlmSettings(trx));
  return found ?? { ...defaultLlmSettings(), updatedAt: null };
}

function hintOf(apiKey: string): string {
  return apiKey.length > 8 ? apiKey.slice(-4) : '';
}

function storedProviders(
  config: Config,
  inputs: readonly ProviderInput[],
  existing: readonly StoredProvider[],
): StoredProvider[] {
  const box = new SecretBox(config.secretKey, LLM_KEY_PURPOSE, config.previousSecretKeys);
  const allowed = [...config.llm.privateHosts, ...config.outbound.allowPrivateHosts];
  const problems: ErrorDetail[] = [];
  const stored = inputs.map((input, index): StoredProvider => {
    const urlProblem = baseUrlProblem(input.baseUrl, allowed);
    if (urlProblem) problems.push({ path: `providers.${index}.baseUrl`, message: urlProblem });
    const before = input.id ? existing.find((provider) => provider.id === input.id) : undefined;
    if (input.id && !before)
      problems.push({ path: `providers.${index}.id`, message: 'no saved provider has this id' });
    const keep = input.apiKey === undefined && before;
    return {
      id: before?.id ?? randomUUID(),
      kind: input.kind,
      baseUrl: input.baseUrl.replace(/\/+$/, ''),
      model: input.model,
      apiKeySealed: keep ? before.apiKeySealed : input.apiKey ? box.seal(input.apiKey) : null,
      apiKeyHint: keep ? before.apiKeyHint : input.apiKey ? hintOf(input.apiKey) : null,
      timeoutMs: input.timeoutMs,
    };
  });
  if (problems.length > 0) {
    throw new AppError('validation_failed', 'The LLM settings are not valid', { details: problems });
  }
  return stored;
}

/**
 * Replaces the tenant's LLM settings (PUT semantics) and audits the change in the same transaction. Keys
 * are sealed before they are stored; the audit names what changed, never a key or the prompt texts.
 */
export async function replaceLlmSettings(
  db: Db,
  config: Config,
  tenantId: string,
  actor: SettingsActor,
  input: LlmSettingsInput,
): Promise<LlmSettings> {
  return withTenant(db, tenantId, async (trx) => {
    const before = (await findLlmSettings(trx, { forUpdate: true })) ?? defaultLlmSettings();
    const providers = storedProviders(config, input.providers, before.providers);
    const saved = await saveLlmSettings(trx, { ...input, providers });
    await recordAudit(trx, {
      action: 'llm_settings.updated',
      tenantId,
      actorUserId: actor.userId,
      actorApiKeyId: actor.apiKeyId,
      context: actor.context,
      detail: {
        enabled: { from: before.enabled, to: saved.enabled },
        providers: saved.providers.map((provider, index) => ({
          id: provider.id,
          kind: provider.kind,
          model: provider.model,
          host: new URL(provider.baseUrl).host,
          keyChanged: input.providers[index]?.apiKey !== undefined,
        })),
        limits: saved.limits,
        personaChanged: before.persona !== saved.persona,
        knowledgeChanged: before.knowledge !== saved.knowledge,
      },
    });
    return saved;
  });
}
