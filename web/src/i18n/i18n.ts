/// <reference types="vite/client" />
import { i18n, type Messages } from '@lingui/core';
import { createElement, Fragment, type ReactNode } from 'react';
import englishMain from './catalogs/en/main.json?lingui';
import type { Locale } from './locales';

/**
 * The dashboard's strings (ADR 0045). Every user-visible text is a key of a catalog in
 * `web/src/i18n/catalogs/<locale>/<area>.json`, written in ICU MessageFormat and compiled at build time
 * (web/build/lingui-catalogs.ts), so the browser only interprets compiled messages with Lingui's small
 * runtime. A catalog is split by area, matching the lazily loaded screens: the inbox never loads the
 * settings' strings, and a language's catalog loads only when that language is active. English `main`
 * (the shell and the inbox list) is part of the first load; everything else is a small lazy chunk.
 */

/** The catalogs, one per lazily loaded part of the dashboard. */
export type Area =
  | 'main'
  | 'plan'
  | 'conversation'
  | 'auth'
  | 'settings'
  | 'contacts'
  | 'quotes'
  | 'campaigns'
  | 'segments'
  | 'automations'
  | 'reports'
  | 'notifications';

type Keys<T> = Exclude<keyof T, 'default'> & string;
/** Every key of the English catalogs: `t('inbox.empty')` with an unknown key does not compile. */
export type MessageId =
  | Keys<typeof import('./catalogs/en/main.json')>
  | Keys<typeof import('./catalogs/en/plan.json')>
  | Keys<typeof import('./catalogs/en/conversation.json')>
  | Keys<typeof import('./catalogs/en/auth.json')>
  | Keys<typeof import('./catalogs/en/settings.json')>
  | Keys<typeof import('./catalogs/en/contacts.json')>
  | Keys<typeof import('./catalogs/en/quotes.json')>
  | Keys<typeof import('./catalogs/en/campaigns.json')>
  | Keys<typeof import('./catalogs/en/segments.json')>
  | Keys<typeof import('./catalogs/en/automations.json')>
  | Keys<typeof import('./catalogs/en/reports.json')>
  | Keys<typeof import('./catalogs/en/notifications.json')>;

export type MessageValues = Record<string, string | number>;

// English `main` is imported above, into the first load; every other catalog is its own small chunk.
const catalogs = import.meta.glob<Messages>(['./catalogs/*/*.json', '!./catalogs/en/main.json'], {
  query: '?lingui',
  import: 'default',
});
/** `locale/area` pairs in i18n's messages; English main is there from the start. */
const loaded = new Set<string>(['en/main']);
/** Areas the dashboard has shown: a change of language loads each of them in the new language first. */
const areasInUse = new Set<Area>(['main']);

i18n.load('en', englishMain);
i18n.activate('en');

async function ensure(locale: Locale, area: Area): Promise<void> {
  const name = `${locale}/${area}`;
  if (loaded.has(name)) return;
  const load = catalogs[`./catalogs/${name}.json`];
  if (!load) throw new Error(`No catalog ${name}`);
  i18n.load(locale, await load());
  loaded.add(name);
}

/** The active language: its tag for Intl (dates, numbers, money) and for `<html lang>`. */
export const currentLocale = (): Locale => i18n.locale as Locale;

/** Loads an area's strings in the active language (before its screen renders). */
export async function loadArea(...areas: Area[]): Promise<void> {
  for (const area of areas) areasInUse.add(area);
  await Promise.all(areas.map((area) => ensure(currentLocale(), area)));
}

/**
 * A lazily loaded screen together with its strings: `lazy(() => withStrings(['settings'], () =>
 * import('./settings/Settings')).then(...))`.
 */
export async function withStrings<T>(areas: Area[], load: () => Promise<T>): Promise<T> {
  const [module] = await Promise.all([load(), loadArea(...areas)]);
  return module;
}

/** Switches every area in use to `locale`, then makes it active (the app re-renders under its key). */
export async function activateLocale(locale: Locale): Promise<void> {
  await Promise.all([...areasInUse].map((area) => ensure(locale, area)));
  i18n.activate(locale);
  document.documentElement.lang = locale;
}

/** Calls `listener` after each change of the active language; returns the unsubscribe function. */
export function onLocaleChange(listener: () => void): () => void {
  return i18n.on('change', listener);
}

/** A user-visible text: `t('inbox.title')`, `t('inbox.count', { count: 3 })`. */
export function t(id: MessageId, values?: MessageValues): string {
  return i18n._(id, values);
}

/**
 * A text with elements inside it: the message marks them `<0>…</0>`, `<1>…</1>` (translators keep the
 * marks and may move them), and each is rendered by the function at that index with the marked words.
 */
export function rich(
  id: MessageId,
  elements: ReadonlyArray<(content: string) => ReactNode>,
  values?: MessageValues,
): ReactNode {
  const parts = t(id, values).split(/<(\d+)>(.*?)<\/\1>/);
  const nodes: ReactNode[] = [];
  for (let index = 0; index < parts.length; index += 3) {
    nodes.push(parts[index]);
    if (index + 2 >= parts.length) break;
    const render = elements[Number(parts[index + 1])];
    const content = parts[index + 2] ?? '';
    nodes.push(render ? render(content) : content);
  }
  // As separate children, not an array: no keys needed.
  return createElement(Fragment, null, ...nodes);
}
