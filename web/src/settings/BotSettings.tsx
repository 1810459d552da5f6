import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, describeError } from '../api/client';
import type { BotLanguage, ProfileField, QualifierSettings } from '../api/types';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';

const LANGUAGE_NAMES: Record<BotLanguage, string> = {
  en: 'English',
  it: 'Italian',
  pt: 'Portuguese (Brazil)',
  es: 'Spanish',
};
const FIELD_NAMES: Record<ProfileField, string> = {
  first_name: 'First name',
  last_name: 'Last name',
  company: 'Company',
  email: 'E-mail address',
};
const key = ['qualifier-settings'] as const;

/** "askFirstName" → "Ask first name". */
const promptName = (id: string) => {
  const words = id.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/**
 * The built-in qualifier: its default language, what it collects, whether it ends with a summary to
 * confirm, and its texts per language (an empty text uses the built-in one, shown as the placeholder).
 */
export function BotSettings() {
  const settings = useQuery({
    queryKey: key,
    queryFn: ({ signal }) =>
      api<QualifierSettings>('GET', '/agent/qualifier-settings', undefined, { signal }),
  });
  return (
    <>
      <h1>Bot</h1>
      <p className="muted">
        The bot greets new customers, collects their details and hands the conversation to a person when they
        ask or when it cannot help.
      </p>
      <ErrorNote
        message={settings.error ? describeError(settings.error) : null}
        onRetry={() => void settings.refetch()}
      />
      {settings.data && <BotForm settings={settings.data} />}
    </>
  );
}

function BotForm(props: { settings: QualifierSettings }) {
  const client = useQueryClient();
  const { settings } = props;
  const [defaultLanguage, setDefaultLanguage] = useState(settings.defaultLanguage);
  const [requiredFields, setRequiredFields] = useState(settings.requiredFields);
  const [confirmProfile, setConfirmProfile] = useState(settings.confirmProfile);
  const [prompts, setPrompts] = useState(settings.prompts);
  const [textsIn, setTextsIn] = useState<BotLanguage>(settings.defaultLanguage);
  const [saved, setSaved] = useState<string | null>(null);

  const toggleField = (field: ProfileField, on: boolean) =>
    setRequiredFields((current) =>
      on
        ? (Object.keys(FIELD_NAMES) as ProfileField[]).filter(
            (name) => name === field || current.includes(name),
          )
        : current.filter((name) => name !== field),
    );
  const setPrompt = (id: string, text: string) =>
    setPrompts((current) => {
      const texts = { ...(current[textsIn] ?? {}) };
      if (text.trim() === '') delete texts[id];
      else texts[id] = text;
      return { ...current, [textsIn]: texts };
    });

  const { busy, error, submit } = useSubmit(async () => {
    setSaved(null);
    const result = await api<QualifierSettings>('PUT', '/agent/qualifier-settings', {
      defaultLanguage,
      requiredFields,
      confirmProfile,
      prompts,
    });
    client.setQueryData(key, result);
    setSaved(`Saved. The bot uses these settings from the next message.`);
  });

  return (
    <form className="settings-form" onSubmit={(event: FormEvent) => void submit(event)}>
      <section className="card settings-form" aria-labelledby="bot-basics">
        <h2 id="bot-basics">Language and details</h2>
        <label>
          Default language
          <select
            value={defaultLanguage}
            onChange={(event) => setDefaultLanguage(event.target.value as BotLanguage)}
          >
            {(Object.keys(LANGUAGE_NAMES) as BotLanguage[]).map((language) => (
              <option key={language} value={language}>
                {LANGUAGE_NAMES[language]}
              </option>
            ))}
          </select>
          <span className="muted">Used when the customer’s first message does not reveal a language.</span>
        </label>
        <fieldset className="fields-check">
          <legend>Details the bot collects</legend>
          {(Object.keys(FIELD_NAMES) as ProfileField[]).map((field) => (
            <label key={field} className="check">
              <input
                type="checkbox"
                checked={requiredFields.includes(field)}
                onChange={(event) => toggleField(field, event.target.checked)}
              />
              {FIELD_NAMES[field]}
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input
            type="checkbox"
            checked={confirmProfile}
            onChange={(event) => setConfirmProfile(event.target.checked)}
          />
          End with a summary the customer confirms
        </label>
      </section>
      <section className="card settings-form" aria-labelledby="bot-texts">
        <h2 id="bot-texts">Texts</h2>
        <p className="muted">
          Leave a text empty to use the built-in one (shown greyed). Words in double braces, like{' '}
          <code>{'{{firstName}}'}</code>, are filled in by the bot.
        </p>
        <label>
          Texts in
          <select value={textsIn} onChange={(event) => setTextsIn(event.target.value as BotLanguage)}>
            {(Object.keys(LANGUAGE_NAMES) as BotLanguage[]).map((language) => (
              <option key={language} value={language}>
                {LANGUAGE_NAMES[language]}
              </option>
            ))}
          </select>
        </label>
        <div className="prompt-list">
          {Object.keys(settings.defaultPrompts[textsIn] ?? {}).map((id) => {
            const allowed = settings.placeholders[id] ?? [];
            return (
              <label key={`${textsIn}-${id}`}>
                {promptName(id)}
                <textarea
                  maxLength={1000}
                  rows={2}
                  placeholder={settings.defaultPrompts[textsIn]?.[id] ?? ''}
                  value={prompts[textsIn]?.[id] ?? ''}
                  onChange={(event) => setPrompt(id, event.target.value)}
                />
                {allowed.length > 0 && (
                  <span className="muted">May use {allowed.map((name) => `{{${name}}}`).join(', ')}</span>
                )}
              </label>
            );
          })}
        </div>
      </section>
      <ErrorNote message={error} />
      {saved && (
        <p className="saved" role="status">
          {saved}
        </p>
      )}
      <p className="muted">
        {settings.updatedAt
          ? `Last saved ${fullTime(settings.updatedAt)}.`
          : 'The bot uses the built-in settings.'}
      </p>
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        Save bot settings
      </button>
    </form>
  );
}
