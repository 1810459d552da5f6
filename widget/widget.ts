import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/sha';
import { type Language, pickLanguage, STRINGS } from './i18n.js';

/**
 * The call-me-back widget: `<script src="https://leadline.example/widget.js" data-leadline-widget="wk_…">`.
 * Everything renders in a shadow root (the page's CSS cannot break it, and it touches nothing of the
 * page's); it talks only to the Leadline server that served it, and solves ALTCHA's proof of work itself
 * (altcha-lib's solver with WebCrypto SHA-256) instead of loading the 50 KB `altcha` web component.
 */
interface WidgetConfig {
  defaultCountry: string;
  countries: { code: string; callingCode: string }[];
  texts: Record<string, { title?: string; button?: string; consent?: string } | undefined>;
  colors: { accent?: string; text?: string };
}

const CSS = `
:host{all:initial}
*{box-sizing:border-box;font:15px/1.4 system-ui,sans-serif}
.open{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:var(--accent);color:var(--on);cursor:pointer;box-shadow:0 2px 8px #0004}
.panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:min(340px,calc(100vw - 40px));background:#fff;color:#1b1b1b;border-radius:12px;padding:16px;box-shadow:0 4px 24px #0005}
.panel[hidden]{display:none}
h2{font-size:17px;font-weight:600;margin:0 0 12px}
label{display:block;margin:8px 0 4px;font-weight:500}
.row{display:flex;gap:6px}
select,input{width:100%;padding:8px;border:1px solid #6b6b6b;border-radius:6px;color:#1b1b1b;background:#fff}
select{width:auto}
button:focus-visible,select:focus-visible,input:focus-visible{outline:3px solid #1a4fd6;outline-offset:2px}
.submit{margin-top:12px;width:100%;border:0;border-radius:6px;padding:10px;background:var(--accent);color:var(--on);cursor:pointer}
.submit[disabled]{opacity:.7;cursor:progress}
.close{position:absolute;top:8px;right:8px;border:0;background:none;font-size:20px;cursor:pointer;color:#1b1b1b}
.consent{font-size:13px;color:#444;margin:8px 0 0}
.status{margin:10px 0 0;min-height:1em}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
`;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Where the widget sends requests; absent in the dashboard's preview, which sends nothing. */
interface Endpoint {
  api: string;
}

async function start(script: HTMLScriptElement): Promise<void> {
  const key = script.dataset.leadlineWidget ?? '';
  const api = `${new URL(script.src).origin}/api/v1/public/widgets/${encodeURIComponent(key)}`;
  const language = pickLanguage(script.dataset.lang, document.documentElement.lang, navigator.language);
  const config = (await (await fetch(`${api}/config`)).json()) as WidgetConfig;
  render(config, language, { api });
}

/**
 * The dashboard's live preview (served by Leadline in a frame of the widget builder): the saved
 * configuration comes in the page, drafts come by postMessage from the dashboard (same origin only), and
 * the form sends nothing.
 */
function preview(): void {
  const data = document.getElementById('leadline-preview-config')?.textContent ?? '{}';
  let shown: HTMLElement | undefined;
  const show = (message: { config: WidgetConfig; language?: string }) => {
    shown?.remove();
    shown = render(message.config, pickLanguage(message.language, document.documentElement.lang, ''), null);
  };
  show(JSON.parse(data) as { config: WidgetConfig; language?: string });
  window.addEventListener('message', (event) => {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    const message = event.data as { type?: string; config?: WidgetConfig; language?: string };
    if (message?.type === 'leadline-widget-preview' && message.config) {
      show({ config: message.config, language: message.language });
    }
  });
}

function render(config: WidgetConfig, language: Language, endpoint: Endpoint | null): HTMLElement {
  const t = STRINGS[language];
  const custom = config.texts[language] ?? {};

  const host = el('div', { 'data-leadline': 'callback' });
  const root = host.attachShadow({ mode: 'open' });
  const style = el('style', {}, CSS);
  const accent = config.colors.accent ?? '#1a4fd6';
  host.style.setProperty('--accent', accent);
  host.style.setProperty('--on', config.colors.text ?? '#ffffff');

  const open = el(
    'button',
    { class: 'open', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'lw-panel' },
    custom.button ?? t.open,
  );
  const panel = el('div', {
    class: 'panel',
    id: 'lw-panel',
    role: 'dialog',
    'aria-modal': 'false',
    'aria-labelledby': 'lw-title',
    hidden: '',
  });
  const close = el('button', { class: 'close', type: 'button', 'aria-label': t.close }, '×');
  const form = el('form', { novalidate: '' });
  const country = el('select', { id: 'lw-country', 'aria-label': t.country });
  for (const each of config.countries) {
    const option = el('option', { value: each.callingCode }, `${each.code} +${each.callingCode}`);
    // defaultSelected: the choice a form reset returns to.
    if (each.code === config.defaultCountry) option.defaultSelected = true;
    country.append(option);
  }
  const phone = el('input', {
    id: 'lw-phone',
    type: 'tel',
    autocomplete: 'tel-national',
    inputmode: 'tel',
    required: '',
    'aria-describedby': 'lw-status',
  });
  const name = el('input', { id: 'lw-name', type: 'text', autocomplete: 'name', maxlength: '100' });
  const honeypot = el('input', { type: 'text', name: 'website', tabindex: '-1', autocomplete: 'off' });
  const honeypotBox = el('div', { class: 'hp', 'aria-hidden': 'true' });
  honeypotBox.append(honeypot);
  const submit = el('button', { class: 'submit', type: 'submit' }, t.submit);
  const status = el('p', { class: 'status', id: 'lw-status', role: 'status', 'aria-live': 'polite' });
  const row = el('div', { class: 'row' });
  row.append(country, phone);
  form.append(
    el('label', { for: 'lw-phone' }, t.phone),
    row,
    el('label', { for: 'lw-name' }, t.name),
    name,
    honeypotBox,
  );
  if (custom.consent) form.append(el('p', { class: 'consent' }, custom.consent));
  if (!endpoint) panel.hidden = false;
  form.append(submit, status);
  panel.append(close, el('h2', { id: 'lw-title' }, custom.title ?? t.title), form);
  root.append(style, open, panel);
  document.body.append(host);

  const toggle = (show: boolean) => {
    panel.hidden = !show;
    open.setAttribute('aria-expanded', String(show));
    (show ? phone : open).focus();
  };
  open.addEventListener('click', () => toggle(panel.hidden));
  close.addEventListener('click', () => toggle(false));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') toggle(false);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const national = phone.value.replace(/[\s().-]/g, '');
    const e164 = national.startsWith('+')
      ? national
      : `+${country.value}${national.replace(/^0+(?=\d{6})/, country.value === '39' ? '0' : '')}`;
    if (!/^\+[1-9]\d{6,14}$/.test(e164)) {
      status.textContent = t.invalidPhone;
      phone.setAttribute('aria-invalid', 'true');
      phone.focus();
      return;
    }
    phone.removeAttribute('aria-invalid');
    if (!endpoint) {
      status.textContent = 'Preview: nothing is sent.';
      return;
    }
    const { api } = endpoint;
    submit.disabled = true;
    status.textContent = t.checking;
    try {
      const challenge = await (await fetch(`${api}/challenge`)).json();
      const solution = await solveChallenge({ challenge, deriveKey });
      if (!solution) throw new Error('unsolved');
      const response = await fetch(`${api}/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phone: e164,
          name: name.value.trim() || undefined,
          language,
          timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          altcha: btoa(JSON.stringify({ challenge, solution })),
          website: honeypot.value || undefined,
        }),
      });
      const body = await response.json();
      status.textContent = response.ok ? body.message : (body.error?.message ?? t.failed);
      if (response.ok) form.reset();
    } catch {
      status.textContent = t.failed;
    } finally {
      submit.disabled = false;
    }
  });
  return host;
}

const current = document.currentScript as HTMLScriptElement | null;
if (current?.dataset.leadlinePreview !== undefined) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', preview);
  else preview();
} else if (current?.dataset.leadlineWidget) {
  const run = () => void start(current).catch(() => undefined);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
}
