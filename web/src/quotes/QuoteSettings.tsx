import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, useEffect, useId, useState } from 'react';
import { api, describeError } from '../api/client';
import { keys, quoteSettingsQuery } from '../api/queries';
import type { QuoteSettings as Settings } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { useLazyPageHeading } from './lazy-page';
import { decimalToMinor, minorToDecimal } from './money';
import './quotes.css';
import { t } from '../i18n/i18n';

const LOCALES = [
  { value: 'en', label: 'English' },
  { value: 'it', label: 'Italiano' },
  { value: 'pt-BR', label: 'Português (Brasil)' },
  { value: 'es', label: 'Español' },
] as const;

/** The workspace's quoting: currency and language, the approval policy, reminders, templates and logo. */
export function QuoteSettings() {
  const query = useQuery(quoteSettingsQuery);
  if (!query.data) {
    return (
      <>
        <h1>{t('quote.panelTitle')}</h1>
        <ErrorNote message={query.error ? describeError(query.error) : null} />
      </>
    );
  }
  return <SettingsForm settings={query.data} />;
}

function SettingsForm(props: { settings: Settings }) {
  const client = useQueryClient();
  const heading = useLazyPageHeading();
  const { settings } = props;
  const [form, setForm] = useState({
    currency: settings.currency,
    locale: settings.locale,
    approvalMode: settings.approvalMode,
    autoApproveBelow:
      settings.autoApproveBelowMinor === null
        ? ''
        : minorToDecimal(settings.autoApproveBelowMinor, settings.currency),
    drafterCannotApprove: settings.drafterCannotApprove,
    reminderAfterMinutes: String(settings.reminderAfterMinutes),
    validityDays: String(settings.validityDays),
    messageTemplate: settings.messageTemplate ?? '',
    documentTemplate: settings.documentTemplate ?? '',
  });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) => {
    setSaved(false);
    setForm((current) => ({ ...current, [key]: value }));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    let autoApproveBelowMinor: number | null = null;
    if (form.approvalMode === 'auto_below') {
      autoApproveBelowMinor = decimalToMinor(form.autoApproveBelow, form.currency);
      if (autoApproveBelowMinor === null) {
        return setError(
          t('quoteSettings.badLimit', {
            currency: form.currency,
            example: minorToDecimal(50000, form.currency),
          }),
        );
      }
    }
    try {
      const next = await api<Settings>('PATCH', '/quotes/settings', {
        currency: form.currency.trim().toUpperCase(),
        locale: form.locale,
        approvalMode: form.approvalMode,
        autoApproveBelowMinor,
        drafterCannotApprove: form.drafterCannotApprove,
        reminderAfterMinutes: Number(form.reminderAfterMinutes),
        validityDays: Number(form.validityDays),
        messageTemplate: form.messageTemplate.trim() === '' ? null : form.messageTemplate,
        documentTemplate: form.documentTemplate.trim() === '' ? null : form.documentTemplate,
      });
      client.setQueryData(keys.quoteSettings, next);
      setError(null);
      setSaved(true);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <>
      <h1 tabIndex={-1} ref={heading}>
        {t('quote.panelTitle')}
      </h1>
      <form className="settings-form quote-settings" onSubmit={save}>
        <fieldset className="form-grid">
          <legend>{t('quoteSettings.money')}</legend>
          <label>
            {t('quoteSettings.currency')}
            <input
              required
              maxLength={3}
              pattern="[A-Za-z]{3}"
              value={form.currency}
              onChange={(event) => set('currency', event.target.value)}
            />
          </label>
          <label>
            {t('quoteSettings.language')}
            <select
              value={form.locale}
              onChange={(event) => set('locale', event.target.value as Settings['locale'])}
            >
              {LOCALES.map((locale) => (
                <option key={locale.value} value={locale.value}>
                  {locale.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('quoteSettings.validity')}
            <input
              type="number"
              min={1}
              max={365}
              required
              value={form.validityDays}
              onChange={(event) => set('validityDays', event.target.value)}
            />
          </label>
          <p className="muted wide">{t('quoteSettings.numbering')}</p>
        </fieldset>
        <fieldset className="settings-form">
          <legend>{t('quoteSettings.policy')}</legend>
          <label className="checkbox">
            <input
              type="radio"
              name="approvalMode"
              checked={form.approvalMode === 'always'}
              onChange={() => set('approvalMode', 'always')}
            />
            {t('quoteSettings.always')}
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="approvalMode"
              checked={form.approvalMode === 'auto_below'}
              onChange={() => set('approvalMode', 'auto_below')}
            />
            {t('quoteSettings.autoBelow')}
          </label>
          {form.approvalMode === 'auto_below' && (
            <label>
              {t('quoteSettings.autoLimit', { currency: form.currency })}
              <input
                required
                inputMode="decimal"
                value={form.autoApproveBelow}
                onChange={(event) => set('autoApproveBelow', event.target.value)}
              />
            </label>
          )}
          <label className="checkbox">
            <input
              type="checkbox"
              checked={form.drafterCannotApprove}
              onChange={(event) => set('drafterCannotApprove', event.target.checked)}
            />
            {t('quoteSettings.drafterCannotApprove')}
          </label>
          <label>
            {t('quoteSettings.reminder')}
            <input
              type="number"
              min={5}
              max={10080}
              required
              value={form.reminderAfterMinutes}
              onChange={(event) => set('reminderAfterMinutes', event.target.value)}
            />
          </label>
        </fieldset>
        <TemplateEditor
          kind="message"
          title={t('quoteSettings.messageTemplate')}
          locale={form.locale}
          value={form.messageTemplate}
          onChange={(value) => set('messageTemplate', value)}
        />
        <TemplateEditor
          kind="document"
          title={t('quoteSettings.documentTemplate')}
          locale={form.locale}
          value={form.documentTemplate}
          onChange={(value) => set('documentTemplate', value)}
        />
        <ErrorNote message={error} />
        {saved && (
          <p className="saved" role="status">
            {t('quoteSettings.saved')}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="primary">
            {t('quoteSettings.save')}
          </button>
        </div>
      </form>
      <LogoUpload hasLogo={settings.hasLogo} />
    </>
  );
}

/** The debounced value: what the preview renders once typing pauses. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** A LiquidJS template with a live preview rendered by the server with sample data. */
function TemplateEditor(props: {
  kind: 'message' | 'document';
  title: string;
  locale: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const source = useSettled(props.value, 400);
  const preview = useQuery({
    queryKey: ['quote-template-preview', props.kind, props.locale, source],
    queryFn: ({ signal }) =>
      api<{ html: string; text: string }>(
        'POST',
        '/quotes/templates/preview',
        { kind: props.kind, locale: props.locale, source: source.trim() === '' ? undefined : source },
        { signal },
      ),
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  return (
    <fieldset className="template-editor">
      <legend>{props.title}</legend>
      <label>
        {t('quoteSettings.template')}
        <textarea
          className="mono"
          rows={8}
          maxLength={20000}
          spellCheck={false}
          value={props.value}
          aria-describedby={`${id}-preview-status`}
          onChange={(event) => props.onChange(event.target.value)}
        />
      </label>
      <div className="template-preview">
        <h2 className="preview-title">{t('quoteSettings.preview')}</h2>
        <div id={`${id}-preview-status`} role="status">
          {preview.error ? <p className="field-error">{describeError(preview.error)}</p> : null}
        </div>
        {preview.data && <pre className="quote-message">{preview.data.text}</pre>}
      </div>
    </fieldset>
  );
}

function LogoUpload(props: { hasLogo: boolean }) {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const put = async (imageBase64: string | null) => {
    try {
      await api('PUT', '/quotes/settings/logo', { imageBase64 });
      setError(null);
      setDone(imageBase64 === null ? t('quoteSettings.logoRemoved') : t('quoteSettings.logoSaved'));
      await client.invalidateQueries({ queryKey: keys.quoteSettings });
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  const pick = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size > 256 * 1024) return setError(t('quoteSettings.logoTooBig'));
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    await put(btoa(binary));
  };
  return (
    <section className="card settings-form" aria-labelledby="quote-logo">
      <h2 id="quote-logo">{t('quoteSettings.logo')}</h2>
      <p className="muted">
        {props.hasLogo ? t('quoteSettings.hasLogo') : t('quoteSettings.noLogo')}{' '}
        {t('quoteSettings.logoFormat')}
      </p>
      <label>
        {t('quoteSettings.logoImage')}
        <input type="file" accept="image/png,image/jpeg" onChange={(event) => void pick(event)} />
      </label>
      {props.hasLogo && (
        <button type="button" onClick={() => void put(null)}>
          {t('quoteSettings.removeLogo')}
        </button>
      )}
      <ErrorNote message={error} />
      {done && (
        <p className="saved" role="status">
          {done}
        </p>
      )}
    </section>
  );
}
