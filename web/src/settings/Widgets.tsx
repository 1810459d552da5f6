import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type {
  CallbackSettings,
  CallbackWidget,
  TwilioNumber,
  WidgetLanguage,
  WidgetTexts,
} from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { HoursEditor } from './HoursEditor';
import { attempt, useList } from './use-list';
import './telephony.css';
import { currentLocale, t } from '../i18n/i18n';

const LANGUAGES: { code: WidgetLanguage; name: () => string }[] = (['en', 'it', 'pt', 'es'] as const).map(
  (code) => ({
    code,
    // Named in the dashboard's language (Intl knows every language's name).
    name: () => new Intl.DisplayNames([currentLocale()], { type: 'language' }).of(code) ?? code,
  }),
);

/** One value per line (origins, numbers), blank lines dropped. */
const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** The call-me-back widgets: the workspace's call-back rules, then each widget's builder. */
export function Widgets() {
  const widgets = useList<CallbackWidget>('/widgets?limit=100');
  const numbers = useList<TwilioNumber>('/twilio/numbers');
  // A new widget calls from the first Twilio number that can place calls (changed in its builder).
  const callerNumberId = numbers.items?.find((number) => number.voice)?.id ?? null;
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ name: '', origins: '', agents: '' });
  const current = widgets.items?.find((widget) => widget.id === selected) ?? widgets.items?.[0] ?? null;

  const create = async (event: FormEvent) => {
    event.preventDefault();
    await attempt(
      async () => {
        const widget = await api<CallbackWidget>('POST', '/widgets', {
          name: form.name.trim(),
          allowedOrigins: lines(form.origins),
          agentNumbers: lines(form.agents).map((number) => number.replace(/[\s().-]/g, '')),
          callerNumberId,
        });
        setSelected(widget.id);
        setForm({ name: '', origins: '', agents: '' });
      },
      setError,
      widgets.reload,
    );
  };

  return (
    <>
      <h1>{t('settings.page.widgets')}</h1>
      <p className="muted">{t('widgets.intro')}</p>
      <ErrorNote message={error ?? widgets.error} />
      <CallbackRules />
      {numbers.items && !callerNumberId && (
        <Empty title={t('widgets.noNumber')}>{t('widgets.noNumberHint')}</Empty>
      )}
      {widgets.items && widgets.items.length === 0 && (
        <Empty title={t('widgets.empty')}>{t('widgets.emptyHint')}</Empty>
      )}
      {widgets.items && widgets.items.length > 1 && (
        <label>
          {t('widgets.widget')}
          <select value={current?.id ?? ''} onChange={(event) => setSelected(event.target.value)}>
            {widgets.items.map((widget) => (
              <option key={widget.id} value={widget.id}>
                {widget.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {current && <WidgetBuilder key={current.id} widget={current} onSaved={widgets.reload} />}
      <form className="card form-grid" onSubmit={create}>
        <h2>{t('widgets.new')}</h2>
        <label>
          {t('channels.name')}
          <input
            required
            maxLength={100}
            value={form.name}
            onChange={(event) => setForm({ ...form, name: event.target.value })}
          />
        </label>
        <label>
          {t('widgets.origins')}
          <textarea
            rows={2}
            placeholder="https://www.example.com"
            value={form.origins}
            onChange={(event) => setForm({ ...form, origins: event.target.value })}
          />
        </label>
        <label>
          {t('widgets.agents')}
          <textarea
            rows={2}
            required
            placeholder="+390212345678"
            value={form.agents}
            onChange={(event) => setForm({ ...form, agents: event.target.value })}
          />
        </label>
        <button type="submit" className="primary">
          {t('widgets.create')}
        </button>
      </form>
    </>
  );
}

/** The workspace's rules every widget follows: the country allow-list, retries, limits and notices. */
function CallbackRules() {
  const settings = useQuery({
    queryKey: keys.list('/callback-settings'),
    queryFn: ({ signal }) => api<CallbackSettings>('GET', '/callback-settings', undefined, { signal }),
  });
  const [draft, setDraft] = useState<CallbackSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (settings.data) setDraft(settings.data);
  }, [settings.data]);
  if (!draft) return <ErrorNote message={settings.error ? describeError(settings.error) : null} />;
  const number = (key: keyof CallbackSettings, label: string, min: number, max: number) => (
    <label>
      {label}
      <input
        type="number"
        required
        min={min}
        max={max}
        value={String(draft[key])}
        onChange={(event) => {
          setSaved(false);
          setDraft({ ...draft, [key]: Number(event.target.value) });
        }}
      />
    </label>
  );
  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api('PUT', '/callback-settings', draft);
      setError(null);
      setSaved(true);
      await settings.refetch();
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  return (
    <details className="card">
      <summary>{t('widgets.rules')}</summary>
      <form className="form-grid" onSubmit={save}>
        <ErrorNote message={error} />
        <label>
          {t('widgets.countries')}
          <input
            value={draft.allowedCountries.join(', ')}
            placeholder="IT, ES, PT"
            onChange={(event) => {
              setSaved(false);
              setDraft({
                ...draft,
                allowedCountries: event.target.value
                  .split(',')
                  .map((code) => code.trim().toUpperCase())
                  .filter(Boolean),
              });
            }}
          />
        </label>
        {number('retryAfterMinutes', t('widgets.retryAfter'), 1, 1440)}
        {number('maxRetries', t('widgets.retries'), 0, 10)}
        {number('perNumberPerDay', t('widgets.perNumber'), 1, 100)}
        {number('perWidgetPerDay', t('widgets.perWidget'), 1, 100000)}
        <label className="checkbox">
          <input
            type="checkbox"
            checked={draft.machineDetection}
            onChange={(event) => setDraft({ ...draft, machineDetection: event.target.checked })}
          />
          {t('widgets.machineDetection')}
        </label>
        <label>
          {t('widgets.notifyEmail')}
          <input
            type="email"
            value={draft.notifyEmail ?? ''}
            onChange={(event) => setDraft({ ...draft, notifyEmail: event.target.value.trim() || null })}
          />
        </label>
        <label>
          {t('widgets.notifySms')}
          <input
            type="tel"
            value={draft.notifySmsE164 ?? ''}
            onChange={(event) => setDraft({ ...draft, notifySmsE164: event.target.value.trim() || null })}
          />
        </label>
        <div className="inline-form">
          <button type="submit" className="primary">
            {t('widgets.saveRules')}
          </button>
          {saved && <span role="status">{t('common.saved')}</span>}
        </div>
        <p className="muted">{t('widgets.specialNumbers')}</p>
      </form>
    </details>
  );
}

interface Draft {
  name: string;
  origins: string;
  defaultCountry: string;
  agents: string;
  ringStrategy: CallbackWidget['ringStrategy'];
  callerNumberId: string;
  accent: string;
  text: string;
  texts: WidgetTexts;
  disabled: boolean;
}

const draftOf = (widget: CallbackWidget): Draft => ({
  name: widget.name,
  origins: widget.allowedOrigins.join('\n'),
  defaultCountry: widget.defaultCountry,
  agents: widget.agentNumbers.join('\n'),
  ringStrategy: widget.ringStrategy,
  callerNumberId: widget.callerNumberId ?? '',
  accent: widget.colors.accent ?? '#1a4fd6',
  text: widget.colors.text ?? '#ffffff',
  texts: widget.texts,
  disabled: widget.disabled,
});

/** Drops empty texts (the widget's own defaults in that language apply). */
function cleanTexts(texts: WidgetTexts): WidgetTexts {
  const clean: WidgetTexts = {};
  for (const { code } of LANGUAGES) {
    const entry = Object.fromEntries(
      Object.entries(texts[code] ?? {}).filter(
        ([, value]) => typeof value === 'string' && value.trim() !== '',
      ),
    );
    if (Object.keys(entry).length > 0) clean[code] = entry;
  }
  return clean;
}

function WidgetBuilder(props: { widget: CallbackWidget; onSaved: () => Promise<void> }) {
  const { widget } = props;
  const numbers = useList<TwilioNumber>('/twilio/numbers');
  const [draft, setDraft] = useState<Draft>(() => draftOf(widget));
  const [language, setLanguage] = useState<WidgetLanguage>('en');
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const frame = useRef<HTMLIFrameElement>(null);
  const countries = useRef<{ code: string; callingCode: string }[] | null>(null);

  // The live preview: every draft change goes to the frame (same origin only), which re-renders the widget.
  useEffect(() => {
    const target = frame.current?.contentWindow;
    if (!target) return;
    target.postMessage(
      {
        type: 'leadline-widget-preview',
        language,
        config: {
          defaultCountry: draft.defaultCountry,
          countries: countries.current ?? [],
          texts: cleanTexts(draft.texts),
          colors: { accent: draft.accent, text: draft.text },
        },
      },
      window.location.origin,
    );
  }, [draft, language]);

  const onFrameLoad = () => {
    // The page carries the saved configuration; its country list is what the preview keeps showing.
    try {
      const data = frame.current?.contentDocument?.getElementById('leadline-preview-config')?.textContent;
      if (data)
        countries.current = (
          JSON.parse(data) as { config: { countries: typeof countries.current } }
        ).config.countries;
    } catch {
      countries.current = [];
    }
    setDraft((current) => ({ ...current }));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const done = await attempt(
      () =>
        api('PATCH', `/widgets/${widget.id}`, {
          name: draft.name.trim(),
          allowedOrigins: lines(draft.origins),
          defaultCountry: draft.defaultCountry.trim().toUpperCase(),
          agentNumbers: lines(draft.agents).map((number) => number.replace(/[\s().-]/g, '')),
          ringStrategy: draft.ringStrategy,
          callerNumberId: draft.callerNumberId || null,
          colors: { accent: draft.accent, text: draft.text },
          texts: cleanTexts(draft.texts),
          disabled: draft.disabled,
        }),
      setError,
      props.onSaved,
    );
    setStatus(done ? t('widgets.saved') : '');
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(widget.snippet);
      setStatus(t('widgets.copied'));
    } catch {
      setStatus(t('widgets.copyByHand'));
    }
  };

  const texts = draft.texts[language] ?? {};
  const setText = (key: 'title' | 'button' | 'consent', value: string) =>
    setDraft({ ...draft, texts: { ...draft.texts, [language]: { ...texts, [key]: value } } });

  return (
    <section className="card" aria-labelledby="widget-builder">
      <h2 id="widget-builder">{widget.name}</h2>
      <ErrorNote message={error} />
      <p role="status" className="muted">
        {status}
      </p>
      <div className="widget-builder">
        <form className="settings-form" onSubmit={save} aria-label={t('widgets.settings')}>
          <label>
            {t('channels.name')}
            <input
              required
              maxLength={100}
              value={draft.name}
              onChange={(event) => setDraft({ ...draft, name: event.target.value })}
            />
          </label>
          <label>
            {t('widgets.allowedOrigins')}
            <textarea
              rows={3}
              value={draft.origins}
              onChange={(event) => setDraft({ ...draft, origins: event.target.value })}
            />
          </label>
          <label>
            {t('widgets.defaultCountry')}
            <input
              required
              maxLength={2}
              size={4}
              value={draft.defaultCountry}
              onChange={(event) => setDraft({ ...draft, defaultCountry: event.target.value.toUpperCase() })}
            />
          </label>
          <label>
            {t('widgets.agentsPrivate')}
            <textarea
              rows={3}
              required
              value={draft.agents}
              onChange={(event) => setDraft({ ...draft, agents: event.target.value })}
            />
          </label>
          <label>
            {t('widgets.ring')}
            <select
              value={draft.ringStrategy}
              onChange={(event) =>
                setDraft({ ...draft, ringStrategy: event.target.value as Draft['ringStrategy'] })
              }
            >
              <option value="simultaneous">{t('widgets.ring.simultaneous')}</option>
              <option value="sequential">{t('widgets.ring.sequential')}</option>
            </select>
          </label>
          <label>
            {t('widgets.callerId')}
            <select
              required
              value={draft.callerNumberId}
              onChange={(event) => setDraft({ ...draft, callerNumberId: event.target.value })}
            >
              {!draft.callerNumberId && <option value="">{t('widgets.chooseNumber')}</option>}
              {(numbers.items ?? [])
                .filter((number) => number.voice)
                .map((number) => (
                  <option key={number.id} value={number.id}>
                    {number.phoneE164}
                  </option>
                ))}
            </select>
          </label>
          <div className="inline-form">
            <label>
              {t('widgets.buttonColour')}
              <input
                type="color"
                value={draft.accent}
                onChange={(event) => setDraft({ ...draft, accent: event.target.value })}
              />
            </label>
            <label>
              {t('widgets.buttonTextColour')}
              <input
                type="color"
                value={draft.text}
                onChange={(event) => setDraft({ ...draft, text: event.target.value })}
              />
            </label>
          </div>
          <label>
            {t('bot.textsIn')}
            <select value={language} onChange={(event) => setLanguage(event.target.value as WidgetLanguage)}>
              {LANGUAGES.map((each) => (
                <option key={each.code} value={each.code}>
                  {each.name()}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('widgets.title')}
            <input
              maxLength={80}
              value={texts.title ?? ''}
              onChange={(event) => setText('title', event.target.value)}
            />
          </label>
          <label>
            {t('widgets.buttonLabel')}
            <input
              maxLength={40}
              value={texts.button ?? ''}
              onChange={(event) => setText('button', event.target.value)}
            />
          </label>
          <label>
            {t('widgets.consent')}
            <textarea
              rows={2}
              maxLength={300}
              value={texts.consent ?? ''}
              onChange={(event) => setText('consent', event.target.value)}
            />
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={draft.disabled}
              onChange={(event) => setDraft({ ...draft, disabled: event.target.checked })}
            />
            {t('widgets.disabled')}
          </label>
          <button type="submit" className="primary">
            {t('widgets.save')}
          </button>
        </form>
        <div className="settings-form">
          <h3>{t('widgets.preview')}</h3>
          <iframe
            ref={frame}
            className="widget-preview"
            title={t('widgets.previewTitle')}
            src={`/api/v1/widgets/${widget.id}/preview`}
            onLoad={onFrameLoad}
          />
          <label>
            {t('widgets.snippet')}
            <textarea className="snippet" readOnly rows={3} value={widget.snippet} />
          </label>
          <button type="button" onClick={() => void copy()}>
            {t('widgets.copy')}
          </button>
        </div>
      </div>
      <details>
        <summary>{t('widgets.hours')}</summary>
        <HoursEditor path={`/widgets/${widget.id}/business-hours`} widget />
      </details>
    </section>
  );
}
