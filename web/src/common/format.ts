/** The operator's own time zone and locale (the browser's), for Meta's UTC timestamps. */
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString() ? timeFormat.format(date) : dayFormat.format(date);
}

export function fullTime(iso: string | null | undefined): string {
  return iso ? fullFormat.format(new Date(iso)) : '';
}

export function contactName(contact: {
  displayName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phoneE164?: string;
}): string {
  const full = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  return full || contact.displayName || contact.phoneE164 || 'Unknown contact';
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
