/** The dashboard's languages (ADR 0045): English is the source; the others are translations of it. */
export const LOCALES = ['en', 'it', 'pt-BR', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language named in itself, for the picker in My account. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  it: 'Italiano',
  'pt-BR': 'Português (Brasil)',
  es: 'Español',
};

/**
 * The first of the browser's preferred languages that the dashboard speaks: an exact tag first (pt-BR),
 * then its language (pt-PT → pt-BR, it-CH → it, es-MX → es); English otherwise.
 */
export function matchLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const exact = LOCALES.find((locale) => locale.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const language = tag.split('-')[0]?.toLowerCase();
    const sameLanguage = LOCALES.find((locale) => locale.split('-')[0] === language);
    if (sameLanguage) return sameLanguage;
  }
  return 'en';
}

export function browserLocale(): Locale {
  // Through globalThis: this module is also read by Node (the catalog test), where there is no navigator.
  const browser = (globalThis as { navigator?: { languages?: readonly string[]; language?: string } })
    .navigator;
  return matchLocale(browser?.languages ?? (browser?.language ? [browser.language] : []));
}
