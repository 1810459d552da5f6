import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { BotLanguage, ProfileField, QualifierSettings } from '../api/types';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote, QueryError } from '../common/feedback';
import { fullTime } from '../common/format';
import { currentLocale, rich, t } from '../i18n/i18n';

const BOT_LANGUAGES: BotLanguage[] = ['en', 'it', 'pt', 'es'];
/** The bot's languages named in the dashboard's language (Intl knows every name). */
const languageName = (language: BotLanguage): string =>
  new Intl.DisplayNames([currentLocale()], { type: 'language' }).of(language === 'pt' ? 'pt-BR' : language) ??
  language;
const PROFILE_FIELDS: ProfileField[] = ['first_name', 'last_name', 'company', 'email'];
const fieldName = (field: ProfileField): string =>
  ({
    first_name: t('contact.field.firstName'),
    last_name: t('contact.field.lastName'),
    company: t('contact.field.company'),
    email: t('bot.field.email'),
  })[field];
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
      <h1>{t('settings.page.bot')}</h1>
      <p className="muted">{t('bot.intro')}</p>
      <QueryError query={settings} />
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
        ? PROFILE_FIELDS.filter((name) => name === field || current.includes(name))
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
    setSaved(t('bot.saved'));
  });

  return (
    <form className="settings-form" onSubmit={(event: FormEvent) => void submit(event)}>
      <section className="card settings-form" aria-labelledby="bot-basics">
        <h2 id="bot-basics">{t('bot.basics')}</h2>
        <label>
          {t('bot.defaultLanguage')}
          <select
            value={defaultLanguage}
            onChange={(event) => setDefaultLanguage(event.target.value as BotLanguage)}
          >
            {BOT_LANGUAGES.map((language) => (
              <option key={language} value={language}>
                {languageName(language)}
              </option>
            ))}
          </select>
          <span className="muted">{t('bot.defaultLanguageHint')}</span>
        </label>
        <fieldset className="fields-check">
          <legend>{t('bot.collects')}</legend>
          {PROFILE_FIELDS.map((field) => (
            <label key={field} className="check">
              <input
                type="checkbox"
                checked={requiredFields.includes(field)}
                onChange={(event) => toggleField(field, event.target.checked)}
              />
              {fieldName(field)}
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input
            type="checkbox"
            checked={confirmProfile}
            onChange={(event) => setConfirmProfile(event.target.checked)}
          />
          {t('bot.confirm')}
        </label>
      </section>
      <section className="card settings-form" aria-labelledby="bot-texts">
        <h2 id="bot-texts">{t('bot.texts')}</h2>
        <p className="muted">{rich('bot.textsHint', [() => <code>{'{{firstName}}'}</code>])}</p>
        <label>
          {t('bot.textsIn')}
          <select value={textsIn} onChange={(event) => setTextsIn(event.target.value as BotLanguage)}>
            {BOT_LANGUAGES.map((language) => (
              <option key={language} value={language}>
                {languageName(language)}
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
                  <span className="muted">
                    {t('bot.mayUse', { names: allowed.map((name) => `{{${name}}}`).join(', ') })}
                  </span>
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
        {settings.updatedAt ? t('bot.lastSaved', { when: fullTime(settings.updatedAt) }) : t('bot.builtIn')}
      </p>
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        {t('bot.save')}
      </button>
    </form>
  );
}
