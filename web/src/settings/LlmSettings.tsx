import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import type { LlmLimits, LlmProvider, LlmUsage, LlmSettings as Settings } from '../api/types';
import { useSubmit } from '../auth/use-submit';
import { Empty, ErrorNote } from '../common/feedback';

const key = ['llm-settings'] as const;
const BASE_URLS = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' } as const;
const LIMITS: [keyof LlmLimits, string][] = [
  ['requestsPerMinute', 'Requests per minute'],
  ['requestsPerDay', 'Requests per day'],
  ['tokensPerMinute', 'Tokens per minute'],
  ['tokensPerDay', 'Tokens per day'],
  ['monthlySpendCapUsd', 'Monthly spend cap (USD)'],
];
const usd = new Intl.NumberFormat(undefined, {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 4,
});
const count = new Intl.NumberFormat();

/** The LLM agent: on or off, its providers in failover order, what it says, its budgets, and its usage. */
export function LlmSettings() {
  const settings = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api<Settings>('GET', '/agent/llm-settings', undefined, { signal }),
  });
  return (
    <>
      <h1>LLM agent</h1>
      <p className="muted">
        When on, a language model answers customers once the bot has their details, within the budgets below,
        and hands the conversation to a person when it cannot help.
      </p>
      <ErrorNote
        message={settings.error ? describeError(settings.error) : null}
        onRetry={() => void settings.refetch()}
      />
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
    const entries = LIMITS.map(([name]) => [name, props.settings.limits[name]?.toString() ?? '']);
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
        LIMITS.map(([name]) => [name, limits[name].trim() === '' ? null : Number(limits[name])]),
      ),
      historyTokens: props.settings.historyTokens,
      maxOutputTokens: props.settings.maxOutputTokens,
      failuresBeforeHandoff: props.settings.failuresBeforeHandoff,
    });
    client.setQueryData(key, result);
    setProviders(result.providers.map(draft));
    setSaved('Saved.');
  });

  return (
    <form className="settings-form" onSubmit={(event: FormEvent) => void submit(event)}>
      <section className="card settings-form" aria-labelledby="llm-providers">
        <h2 id="llm-providers">Providers</h2>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
          Answer customers with the LLM agent
        </label>
        <p className="muted">
          Tried in this order: when one fails or times out, the next answers. Keys are stored encrypted and
          never shown again; leave the key empty to keep the saved one.
        </p>
        {providers.length === 0 && (
          <Empty title="No provider yet">
            Add OpenAI, Anthropic or any OpenAI-compatible server (Ollama).
          </Empty>
        )}
        {providers.map((provider, index) => (
          <fieldset key={provider.draftId} className="provider">
            <legend>
              {index + 1}. {provider.kind === 'openai' ? 'OpenAI-compatible' : 'Anthropic'} ·{' '}
              {provider.model || 'new'}
            </legend>
            <label>
              Kind
              <select
                value={provider.kind}
                onChange={(event) =>
                  update(provider.draftId, { kind: event.target.value as LlmProvider['kind'] })
                }
              >
                <option value="openai">OpenAI-compatible</option>
                <option value="anthropic">Anthropic</option>
              </select>
            </label>
            <label>
              Model
              <input
                required
                maxLength={200}
                value={provider.model}
                onChange={(event) => update(provider.draftId, { model: event.target.value })}
              />
            </label>
            <label>
              Address
              <input
                type="url"
                required
                maxLength={500}
                value={provider.baseUrl}
                onChange={(event) => update(provider.draftId, { baseUrl: event.target.value })}
              />
            </label>
            <label>
              API key
              <input
                type="password"
                autoComplete="off"
                maxLength={500}
                placeholder={provider.apiKeyHint ? `saved, ends in ${provider.apiKeyHint}` : 'none saved'}
                value={provider.apiKey ?? ''}
                onChange={(event) => update(provider.draftId, { apiKey: event.target.value })}
              />
            </label>
            <label>
              Timeout (ms)
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
                  Move up<span className="visually-hidden"> provider {index + 1}</span>
                </button>
              )}
              {index < providers.length - 1 && (
                <button type="button" onClick={() => move(index, 1)}>
                  Move down<span className="visually-hidden"> provider {index + 1}</span>
                </button>
              )}
              <button
                type="button"
                onClick={() =>
                  setProviders((list) => list.filter((item) => item.draftId !== provider.draftId))
                }
              >
                Remove<span className="visually-hidden"> provider {index + 1}</span>
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
            Add a provider
          </button>
        )}
      </section>
      <section className="card settings-form" aria-labelledby="llm-voice">
        <h2 id="llm-voice">What it says</h2>
        <label>
          Persona
          <textarea
            rows={4}
            maxLength={8000}
            value={persona}
            onChange={(event) => setPersona(event.target.value)}
          />
          <span className="muted">Who the agent is and how it speaks.</span>
        </label>
        <label>
          Knowledge
          <textarea
            rows={6}
            maxLength={50000}
            value={knowledge}
            onChange={(event) => setKnowledge(event.target.value)}
          />
          <span className="muted">What it may tell customers: products, prices, terms.</span>
        </label>
      </section>
      <section className="card form-grid" aria-labelledby="llm-budgets">
        <h2 id="llm-budgets">Budgets</h2>
        <p className="muted">Empty: no limit. When a budget runs out, conversations go to people.</p>
        {LIMITS.map(([name, label]) => (
          <label key={name}>
            {label}
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
        Save LLM settings
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
      <h2 id="llm-usage">Usage and costs</h2>
      <ErrorNote
        message={usage.error ? describeError(usage.error) : null}
        onRetry={() => void usage.refetch()}
      />
      {usage.data && (
        <p>
          {usage.data.from} to {usage.data.to}: estimated {usd.format(total)} (from the configured prices).
        </p>
      )}
      {usage.data && days.length === 0 && (
        <Empty title="No calls in the last 30 days">
          Turn the agent on above; its calls and costs appear here.
        </Empty>
      )}
      {days.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Usage per day</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col" className="numeric">
                Calls
              </th>
              <th scope="col" className="numeric">
                Failed
              </th>
              <th scope="col" className="numeric">
                Tokens in
              </th>
              <th scope="col" className="numeric">
                Tokens out
              </th>
              <th scope="col" className="numeric">
                Cost
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
          <h3>By conversation</h3>
          <ul className="rows">
            {usage.data?.conversations.slice(0, 10).map((conversation) => (
              <li key={conversation.conversationId} className="row">
                <Link to={`/inbox/${conversation.conversationId}`}>
                  Conversation {conversation.conversationId.slice(0, 8)}
                </Link>
                <span>
                  {count.format(conversation.calls)} calls · {usd.format(conversation.costUsd)}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
