import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { compileMessage } from '@lingui/message-utils/compileMessage';
import { describe, expect, it } from 'vitest';
import { compileCatalog } from '../../web/build/lingui-catalogs.js';
import { LOCALES, matchLocale } from '../../web/src/i18n/locales.js';
import { REPO_ROOT } from '../fixtures/node-process.js';

/**
 * The dashboard's catalogs (ADR 0045): every language has every English key and no other, each message
 * compiles with the same placeholders as English, and every key the code uses exists in a catalog that is
 * loaded where the code renders.
 */

const WEB = path.join(REPO_ROOT, 'web/src');
const CATALOGS = path.join(WEB, 'i18n/catalogs');
const AREAS = readdirSync(path.join(CATALOGS, 'en')).map((file) => file.replace(/\.json$/, ''));

const read = (locale: string, area: string): Record<string, string> =>
  JSON.parse(readFileSync(path.join(CATALOGS, locale, `${area}.json`), 'utf8'));

/** The catalogs each folder's code may use besides `main` (what its lazy loader loads with it). */
const FOLDER_AREAS: [prefix: string, areas: string[]][] = [
  ['inbox/Inbox.tsx', []],
  ['inbox/ConversationList.tsx', []],
  ['inbox/', ['conversation']],
  ['common/callback-status.ts', ['conversation']],
  ['auth/', ['auth']],
  ['settings/plan-text.ts', ['plan']],
  ['common/PlanBanner.tsx', ['plan']],
  ['settings/', ['settings', 'conversation', 'auth', 'plan']],
  ['contacts/', ['contacts', 'conversation']],
  ['quotes/QuotesNavLink.tsx', []],
  ['quotes/', ['quotes']],
  ['campaigns/', ['campaigns']],
  ['segments/', ['segments']],
  ['automations/', ['automations']],
  ['reports/', ['reports']],
  ['notifications/NotificationBell.tsx', []],
  ['notifications/', ['notifications']],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The argument names in a compiled message (Lingui's form: strings, and `[name, type?, branches?]`). */
function argumentNames(compiled: unknown, into: Set<string>): Set<string> {
  if (!Array.isArray(compiled)) return into;
  for (const token of compiled) {
    if (!Array.isArray(token)) continue;
    into.add(String(token[0]));
    const branches = token[2];
    if (branches && typeof branches === 'object') {
      for (const branch of Object.values(branches)) argumentNames(branch, into);
    }
  }
  return into;
}

/** Argument names and element marks of an ICU message: `{count, plural, …}` → count, `<0>` → <0>. */
function placeholders(message: string): string[] {
  const names = argumentNames(compileMessage(message), new Set());
  const marks = [...message.matchAll(/<(\d+)>/g)].map((match) => `<${match[1]}>`);
  return [...new Set([...names, ...marks])].sort();
}

describe('the dashboard catalogs', () => {
  it('have every language for every area', () => {
    for (const locale of LOCALES) {
      expect(readdirSync(path.join(CATALOGS, locale)).sort(), locale).toEqual(
        AREAS.map((area) => `${area}.json`).sort(),
      );
    }
  });

  it.each(LOCALES.filter((locale) => locale !== 'en'))('%s has every English key and no other', (locale) => {
    for (const area of AREAS) {
      const english = Object.keys(read('en', area));
      const translated = Object.keys(read(locale, area));
      const missing = english.filter((key) => !translated.includes(key));
      const stale = translated.filter((key) => !english.includes(key));
      expect(missing, `${locale}/${area}.json misses keys`).toEqual([]);
      expect(stale, `${locale}/${area}.json has keys no longer in English`).toEqual([]);
    }
  });

  it.each(LOCALES)('%s compiles, with the placeholders of English and no empty message', (locale) => {
    for (const area of AREAS) {
      const catalog = read(locale, area);
      expect(() => compileCatalog(catalog, `${locale}/${area}.json`)).not.toThrow();
      const english = read('en', area);
      for (const [key, message] of Object.entries(catalog)) {
        expect(message.trim(), `${locale} ${key}`).not.toBe('');
        expect(placeholders(message), `${locale} ${key}`).toEqual(placeholders(english[key] ?? ''));
      }
    }
  });

  it('keeps every area to keys that start alike, so a key says where it lives', () => {
    const owners = new Map<string, string>();
    for (const area of AREAS) {
      for (const key of Object.keys(read('en', area))) {
        expect(owners.get(key), `${key} is in two catalogs`).toBeUndefined();
        owners.set(key, area);
      }
    }
  });

  it('has every key the code uses, in a catalog loaded where that code renders, and no unused key', () => {
    const areaOf = new Map<string, string>();
    for (const area of AREAS) for (const key of Object.keys(read('en', area))) areaOf.set(key, area);
    const used = new Set<string>();
    const problems: string[] = [];
    for (const file of sourceFiles(WEB)) {
      const relative = path.relative(WEB, file).split(path.sep).join('/');
      if (relative.startsWith('i18n/')) continue;
      const allowed = ['main', ...(FOLDER_AREAS.find(([prefix]) => relative.startsWith(prefix))?.[1] ?? [])];
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/(?<![\w.])(?:t|rich)\(\s*'([\w.-]+)'/g)) {
        const key = match[1] as string;
        used.add(key);
        const area = areaOf.get(key);
        if (!area) problems.push(`${relative}: ${key} is in no English catalog`);
        else if (!allowed.includes(area))
          problems.push(`${relative}: ${key} is in ${area}, not loaded there`);
      }
    }
    expect(problems).toEqual([]);
    expect([...areaOf.keys()].filter((key) => !used.has(key))).toEqual([]);
  });

  it('leaves no text for people written in a component instead of a catalog', () => {
    // Names that are names, and examples that read the same in every language.
    const allowed = new Set([
      'Leadline',
      'HubSpot',
      'Twilio',
      'Anthropic',
      'pat-eu1-…',
      'https://www.example.com',
      'https://example.com/offer.jpg',
      'cam_A1b2C3',
      'SMS',
      'IT',
      'IT, ES, PT',
    ]);
    const found: string[] = [];
    for (const file of sourceFiles(WEB).filter((name) => name.endsWith('.tsx'))) {
      const relative = path.relative(WEB, file).split(path.sep).join('/');
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          const texts = [
            // JSX text on a line of its own, and between tags on one line.
            ...(/^\s*([A-Z][A-Za-z’' ,.…:!?-]*[a-z][A-Za-z’' .…:!?-]*)$/.exec(line)?.slice(1) ?? []),
            ...[...line.matchAll(/(?<![=-])>([^<>{}=;()]*[A-Za-z]{2,}[^<>{}=;()]*)</g)].map(
              (match) => match[1] ?? '',
            ),
            // Attributes people read, written as literals.
            ...[
              ...line.matchAll(
                /\b(?:aria-label|title|placeholder|alt|label|submitLabel|intro)="([^"]*[A-Za-z][^"]*)"/g,
              ),
            ].map((match) => match[1] ?? ''),
          ];
          for (const text of texts.map((each) => each.trim()).filter(Boolean)) {
            if (!allowed.has(text)) found.push(`${relative}:${index + 1}: ${text}`);
          }
        });
    }
    expect(found, 'see README › Languages: each text goes through t() and the catalogs').toEqual([]);
  });

  it('starts in the first of the browser’s languages it speaks, by tag and then by language', () => {
    expect(matchLocale(['pt-BR', 'en'])).toBe('pt-BR');
    expect(matchLocale(['pt-PT'])).toBe('pt-BR');
    expect(matchLocale(['it-CH', 'de'])).toBe('it');
    expect(matchLocale(['es-MX'])).toBe('es');
    expect(matchLocale(['fr-FR', 'es'])).toBe('es');
    expect(matchLocale(['en-GB'])).toBe('en');
    expect(matchLocale(['fr', 'de'])).toBe('en');
    expect(matchLocale([])).toBe('en');
  });
});
