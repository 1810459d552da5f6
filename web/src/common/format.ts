import { currentLocale, t } from '../i18n/i18n';

/**
 * Dates in the operator's own time zone (the browser's) and in the dashboard's active language (ADR 0045),
 * for Meta's UTC timestamps. One formatter per language and style, made when first needed.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(style: 'time' | 'day' | 'full'): Intl.DateTimeFormat {
  const locale = currentLocale();
  const key = `${locale} ${style}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(
      locale,
      style === 'time'
        ? { hour: '2-digit', minute: '2-digit' }
        : style === 'day'
          ? { day: 'numeric', month: 'short' }
          : { dateStyle: 'medium', timeStyle: 'short' },
    );
    formats.set(key, format);
  }
  return format;
}

/** A number in the active language (1,234.5 · 1.234,5). */
export const formatNumber = (value: number, options?: Intl.NumberFormatOptions): string =>
  new Intl.NumberFormat(currentLocale(), options).format(value);

export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  const today = new Date();
  return dateFormat(date.toDateString() === today.toDateString() ? 'time' : 'day').format(date);
}

export function fullTime(iso: string | null | undefined): string {
  return iso ? dateFormat('full').format(new Date(iso)) : '';
}

export function contactName(contact: {
  displayName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phoneE164?: string;
}): string {
  const full = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  return full || contact.displayName || contact.phoneE164 || t('common.unknownContact');
}

/**
 * A `<input type="date">` day as the operator picks it (their own time zone), as the API's instant at its
 * start; `plusDays: 1` gives the start of the next day, so a `to` filter includes its day.
 */
export function dayStart(day: string, plusDays = 0): string | undefined {
  if (!day) return undefined;
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year ?? 0, (month ?? 1) - 1, (date ?? 1) + plusDays).toISOString();
}
