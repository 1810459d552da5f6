import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api, withQuery } from '../api/client';
import type { LlmLimits, LlmProvider, LlmUsage, LlmSettings as Settings } from '../api/types';
import { useSubmit } from '../auth/use-submit';
import { Empty, ErrorNote, QueryError } from '../common/feedback';
import { formatNumber } from '../common/format';
import { t } from '../i18n/i18n';

const key = ['llm-settings'] as const;
const BASE_URLS = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' } as const;
const LIMITS: (keyof LlmLimits)[] = [
  'requestsPerMinute',
  'requestsPerDay',
  'tokensPerMinute',
  'tokensPerDay',
  'monthlySpendCapUsd',
];
const limitName = (limit: keyof LlmLimits): string =>
  ({
    requestsPerMinute: t('llm.limit.requestsPerMinute'),
    requestsPerDay: t('llm.limit.requestsPerDay'),
    tokensPerMinute: t('llm.limit.tokensPerMinute'),
    tokensPerDay: t('llm.limit.tokensPerDay'),
    monthlySpendCapUsd: t('llm.limit.monthlySpendCapUsd'),
  })[limit];
const usd = {
  format: (value: number) =>
    formatNumber(value, { style: 'currency', currency: 'USD', maximumFractionDigits: 4 }),
};
const count = { format: (value: number) => formatNumber(value) };

/** The LLM agent: on or off, its providers in failover order, what it says, its budgets, and its usage. */
export function LlmSettings() {
  const settings = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api<Settings>('GET', '/agent/llm-settings', undefined, { signal }),
  });
  return (
    <>
      <h1>{t('settings.page.llm')}</h1>
      <p className="muted">{t('llm.intro')}</p>
      <QueryError query={settings} />
      {settings.data && <LlmForm settings={settings.data} />}
      <Usage />
    </>
  );
}

type ProviderDraft = LlmProvider & { draftId: string };
let drafts = 0;
const draft = (provider: LlmProvider): ProviderDraft => ({ ...provider, draftId: `p${++drafts}` });

function LlmForm(props: { settings: Settings }) {
  const client = useQueryClient();
  const [enabled, setEnabled] = useState(props.settings.enabled);
  const [providers, setProviders] = useState(() => props.settings.providers.map(draft));
  const [persona, setPersona] = useState(props.settings.persona);
  const [knowledge, setKnowledge] = useState(props.settings.knowledge);
  const [limits, setLimits] = useState<Record<keyof LlmLimits, string>>(() => {
    const entries = LIMITS.map((name) => [name, props.settings.limits[name]?.toString() ?? '']);
    return Object.fromEntries(entries) as Record<keyof LlmLimits, string>;
  });
  const [saved, setSaved] = useState<string | null>(null);

  const update = (draftId: string, change: Partial<LlmProvider>) =>
    setProviders((list) => list.map((item) => (item.draftId === draftId ? { ...item, ...change } : item)));
  const move = (index: number, by: -1 | 1) =>
    setProviders((list) => {
      const next = [...list];
      const [item] = next.splice(index, 1);
      if (item) next.splice(index + by, 0, item);
      return next;
    });

  const { busy, error, submit } = useSubmit(async () => {
    setSaved(null);
    const result = await api<Settings>('PUT', '/agent/llm-settings', {
      enabled,
      providers: providers.map(({ draftId: _, apiKeyHint: __, apiKey, ...provider }) => ({
        ...provider,
        ...(apiKey ? { apiKey } : {}),
      })),
      persona,
      knowledge,
      limits: Object.fromEntries(
        LIMITS.map((name) => [name, limits[name].trim() === '' ? null : Number(limits[name])]),
      ),
      historyTokens: props.settings.historyTokens,
      maxOutputTokens: props.settings.maxOutputTokens,
      failuresBeforeHandoff: props.settings.failuresBeforeHandoff,
    });
    client.setQueryData(key, result);
    setProviders(result.providers.map(draft));
    setSaved(t('llm.saved'));
  });

  return (
    <form className="settings-form" onSubmit={(event: FormEvent) => void submit(event)}>
      <section className="card settings-form" aria-labelledby="llm-providers">
        <h2 id="llm-providers">{t('llm.providers')}</h2>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
          {t('llm.enabled')}
        </label>
        <p className="muted">{t('llm.providersHint')}</p>
        {providers.length === 0 && <Empty title={t('llm.noProvider')}>{t('llm.noProviderHint')}</Empty>}
        {providers.map((provider, index) => (
          <fieldset key={provider.draftId} className="provider">
            <legend>
              {index + 1}. {provider.kind === 'openai' ? t('llm.openaiCompatible') : 'Anthropic'} ·{' '}
              {provider.model || t('llm.new')}
            </legend>
            <label>
              {t('llm.kind')}
              <select
                value={provider.kind}
                onChange={(event) =>
                  update(provider.draftId, { kind: event.target.value as LlmProvider['kind'] })
                }
              >
                <option value="openai">{t('llm.openaiCompatible')}</option>
                <option value="anthropic">Anthropic</option>
              </select>
            </label>
            <label>
              {t('llm.model')}
              <input
                required
                maxLength={200}
                value={provider.model}
                onChange={(event) => update(provider.draftId, { model: event.target.value })}
              />
            </label>
            <label>
              {t('llm.address')}
              <input
                type="url"
                required
                maxLength={500}
                value={provider.baseUrl}
                onChange={(event) => update(provider.draftId, { baseUrl: event.target.value })}
              />
            </label>
            <label>
              {t('llm.apiKey')}
              <input
                type="password"
                autoComplete="off"
                maxLength={500}
                placeholder={
                  provider.apiKeyHint ? t('llm.keySaved', { hint: provider.apiKeyHint }) : t('llm.noKey')
                }
                value={provider.apiKey ?? ''}
                onChange={(event) => update(provider.draftId, { apiKey: event.target.value })}
              />
            </label>
            <label>
              {t('llm.timeout')}
              <input
                type="number"
                min={100}
                max={300000}
                required
                value={provider.timeoutMs}
                onChange={(event) => update(provider.draftId, { timeoutMs: Number(event.target.value) })}
              />
            </label>
            <div className="button-row">
              {index > 0 && (
                <button type="button" onClick={() => move(index, -1)}>
                  {t('llm.moveUp')}
                  <span className="visually-hidden"> {t('llm.providerNumber', { number: index + 1 })}</span>
                </button>
              )}
              {index < providers.length - 1 && (
                <button type="button" onClick={() => move(index, 1)}>
                  {t('llm.moveDown')}
                  <span className="visually-hidden"> {t('llm.providerNumber', { number: index + 1 })}</span>
                </button>
              )}
              <button
                type="button"
                onClick={() =>
                  setProviders((list) => list.filter((item) => item.draftId !== provider.draftId))
                }
              >
                {t('llm.remove')}
                <span className="visually-hidden"> {t('llm.providerNumber', { number: index + 1 })}</span>
              </button>
            </div>
          </fieldset>
        ))}
        {providers.length < 5 && (
          <button
            type="button"
            onClick={() =>
              setProviders((list) => [
                ...list,
                draft({ kind: 'openai', baseUrl: BASE_URLS.openai, model: '', timeoutMs: 30_000 }),
              ])
            }
          >
            {t('llm.add')}
          </button>
        )}
      </section>
      <section className="card settings-form" aria-labelledby="llm-voice">
        <h2 id="llm-voice">{t('llm.voice')}</h2>
        <label>
          {t('llm.persona')}
          <textarea
            rows={4}
            maxLength={8000}
            value={persona}
            onChange={(event) => setPersona(event.target.value)}
          />
          <span className="muted">{t('llm.personaHint')}</span>
        </label>
        <label>
          {t('llm.knowledge')}
          <textarea
            rows={6}
            maxLength={50000}
            value={knowledge}
            onChange={(event) => setKnowledge(event.target.value)}
          />
          <span className="muted">{t('llm.knowledgeHint')}</span>
        </label>
      </section>
      <section className="card form-grid" aria-labelledby="llm-budgets">
        <h2 id="llm-budgets">{t('llm.budgets')}</h2>
        <p className="muted">{t('llm.budgetsHint')}</p>
        {LIMITS.map((name) => (
          <label key={name}>
            {limitName(name)}
            <input
              type="number"
              min={name === 'monthlySpendCapUsd' ? 0.01 : 1}
              step={name === 'monthlySpendCapUsd' ? 0.01 : 1}
              value={limits[name]}
              onChange={(event) => setLimits({ ...limits, [name]: event.target.value })}
            />
          </label>
        ))}
      </section>
      <ErrorNote message={error} />
      {saved && (
        <p className="saved" role="status">
          {saved}
        </p>
      )}
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        {t('llm.save')}
      </button>
    </form>
  );
}

/** Calls, tokens and estimated cost per day (last 30 days) and the costliest conversations. */
function Usage() {
  const usage = useQuery({
    queryKey: ['llm-usage'],
    queryFn: ({ signal }) => api<LlmUsage>('GET', withQuery('/agent/usage'), undefined, { signal }),
  });
  const days = usage.data?.days.filter((day) => day.calls > 0) ?? [];
  const total = days.reduce((sum, day) => sum + day.costUsd, 0);
  return (
    <section className="card settings-form" aria-labelledby="llm-usage">
      <h2 id="llm-usage">{t('llm.usage')}</h2>
      <QueryError query={usage} />
      {usage.data && (
        <p>{t('llm.usageTotal', { from: usage.data.from, to: usage.data.to, total: usd.format(total) })}</p>
      )}
      {usage.data && days.length === 0 && <Empty title={t('llm.noCalls')}>{t('llm.noCallsHint')}</Empty>}
      {days.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">{t('llm.perDay')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('llm.day')}</th>
              <th scope="col" className="numeric">
                {t('llm.calls')}
              </th>
              <th scope="col" className="numeric">
                {t('llm.failed')}
              </th>
              <th scope="col" className="numeric">
                {t('llm.tokensIn')}
              </th>
              <th scope="col" className="numeric">
                {t('llm.tokensOut')}
              </th>
              <th scope="col" className="numeric">
                {t('llm.cost')}
              </th>
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.day}>
                <td>{day.day}</td>
                <td className="numeric">{count.format(day.calls)}</td>
                <td className="numeric">{count.format(day.failedCalls)}</td>
                <td className="numeric">{count.format(day.inputTokens)}</td>
                <td className="numeric">{count.format(day.outputTokens)}</td>
                <td className="numeric">{usd.format(day.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(usage.data?.conversations.length ?? 0) > 0 && (
        <>
          <h3>{t('llm.byConversation')}</h3>
          <ul className="rows">
            {usage.data?.conversations.slice(0, 10).map((conversation) => (
              <li key={conversation.conversationId} className="row">
                <Link to={`/inbox/${conversation.conversationId}`}>
                  {t('llm.conversation', { id: conversation.conversationId.slice(0, 8) })}
                </Link>
                <span>
                  {t('llm.conversationCalls', {
                    count: conversation.calls,
                    cost: usd.format(conversation.costUsd),
                  })}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
