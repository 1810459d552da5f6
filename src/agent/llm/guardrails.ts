/**
 * Checks on what the model wrote before a customer reads it. The tenant's data (its knowledge text now;
 * catalog prices and quotes later, through `amounts`) is the only source of figures the agent may state.
 * The checks are lexical and err on the safe side: a false alarm costs a regeneration or a handoff, a miss
 * costs a promise the business never made.
 */

export type ClaimKind = 'price' | 'discount' | 'delivery' | 'promise' | 'secret';

export interface Violation {
  kind: ClaimKind;
  /** The offending words, for the regeneration note (never logged with the reply). */
  text: string;
}

export interface TenantFacts {
  /** The tenant's own words: knowledge text and persona. */
  text: string;
  /** Amounts the tenant stands behind beyond its text (catalog prices, quote totals). */
  amounts: readonly number[];
}

const NUMBER = String.raw`\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`;
const CURRENCY = String.raw`(?:€|\$|£|R\$|US\$|(?:usd|eur|gbp|brl|chf|euros?|dollars?|reais|pounds?|sterline)\b)`;
const MONEY = new RegExp(String.raw`${CURRENCY}\s?(${NUMBER})|(${NUMBER})\s?(?:,-\s?)?${CURRENCY}`, 'giu');
const PERCENT = new RegExp(
  String.raw`(${NUMBER})\s?(?:%|per\s?cent\b|percent\b|per\s?cento\b|percento\b|por\s?cento\b)`,
  'giu',
);
const ANY_NUMBER = new RegExp(NUMBER, 'gu');

const UNIT_FAMILIES: Record<string, readonly string[]> = {
  hour: ['hour', 'hours', 'ora', 'ore', 'hora', 'horas'],
  day: ['day', 'days', 'giorno', 'giorni', 'dia', 'dias'],
  week: ['week', 'weeks', 'settimana', 'settimane', 'semana', 'semanas'],
  month: ['month', 'months', 'mese', 'mesi', 'mes', 'meses', 'mês'],
};
const UNIT_WORDS = Object.values(UNIT_FAMILIES).flat().join('|');
const DURATION = new RegExp(
  String.raw`(\d{1,3})\s*(?:-\s*\d{1,3}\s*)?(?:business\s+|working\s+|lavorativi\s+|úteis\s+)?(${UNIT_WORDS})\b`,
  'giu',
);
const DELIVERY_WORDS =
  /deliver|ship|dispatch|arriv|consegn|spedi|spediz|entreg|envi|cheg|ready|pront|disponib|available/iu;
const RELATIVE_DAYS =
  /\b(tomorrow|today|tonight|next week|by (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|domani|oggi|dopodomani|(?:la )?prossima settimana|entro (?:lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica)|amanhã|hoje|(?:a )?próxima semana|até (?:segunda|terça|quarta|quinta|sexta|sábado|domingo))\b/giu;
const DATE = /\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b/gu;
const PROMISE_STEMS = [
  'guarantee',
  'warrant',
  'money-back',
  'money back',
  'refund',
  'promise',
  'contract',
  'legally binding',
  'garanti',
  'garanzi',
  'rimbors',
  'contratt',
  'promett',
  'reembols',
  'contrat',
  'promet',
] as const;

/** A written amount as a number: "1.299,00", "1,299.00", "49,90", "49.9", "1 200". */
export function parseAmount(raw: string): number | undefined {
  let text = raw.replace(/\s/g, '');
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const thousands = decimal === '.' ? ',' : '.';
    text = text.replaceAll(thousands, '').replace(decimal, '.');
  } else if (lastDot >= 0 || lastComma >= 0) {
    const separator = lastDot >= 0 ? '.' : ',';
    const parts = text.split(separator);
    // One separator followed by exactly three digits groups thousands ("1.500" in Italy, "1,500" in the US).
    const grouping = parts.slice(1).every((part) => part.length === 3);
    text = grouping ? parts.join('') : parts.join('.');
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function sentencesOf(text: string): string[] {
  return text.split(/(?<=[.!?\n])\s+/u);
}

function knownNumbers(facts: TenantFacts): number[] {
  const found = [...facts.text.matchAll(ANY_NUMBER)].map((match) => parseAmount(match[0]));
  return [...found.filter((value): value is number => value !== undefined), ...facts.amounts];
}

const isKnown = (known: readonly number[], value: number | undefined) =>
  value !== undefined && known.some((candidate) => Math.abs(candidate - value) < 0.005);

function familyOf(unit: string): string | undefined {
  const lower = unit.toLowerCase();
  return Object.keys(UNIT_FAMILIES).find((family) => UNIT_FAMILIES[family]?.includes(lower));
}

/** Durations ("3 days", "2-3 giorni") the tenant's text states, as number+unit family. */
function knownDurations(text: string): Set<string> {
  const durations = new Set<string>();
  for (const match of text.matchAll(DURATION)) {
    durations.add(`${match[1]}:${familyOf(match[2] ?? '')}`);
  }
  return durations;
}

/** Whether `text` writes an amount with a currency symbol or code ("R$ 49,90", "120 EUR"). */
export function mentionsMoney(text: string): boolean {
  return [...text.matchAll(MONEY)].length > 0;
}

/** Claims in `reply` the tenant's data does not back. Empty means the reply may go out. */
export function unsupportedClaims(reply: string, facts: TenantFacts): Violation[] {
  const violations: Violation[] = [];
  const known = knownNumbers(facts);
  const knowledge = facts.text.toLowerCase();
  for (const match of reply.matchAll(MONEY)) {
    if (!isKnown(known, parseAmount(match[1] ?? match[2] ?? ''))) {
      violations.push({ kind: 'price', text: match[0] });
    }
  }
  for (const match of reply.matchAll(PERCENT)) {
    if (!isKnown(known, parseAmount(match[1] ?? ''))) violations.push({ kind: 'discount', text: match[0] });
  }
  const durations = knownDurations(facts.text);
  for (const sentence of sentencesOf(reply)) {
    if (!DELIVERY_WORDS.test(sentence)) continue;
    for (const match of sentence.matchAll(DURATION)) {
      if (!durations.has(`${match[1]}:${familyOf(match[2] ?? '')}`)) {
        violations.push({ kind: 'delivery', text: match[0] });
      }
    }
    for (const match of [...sentence.matchAll(RELATIVE_DAYS), ...sentence.matchAll(DATE)]) {
      if (!knowledge.includes(match[0].toLowerCase())) violations.push({ kind: 'delivery', text: match[0] });
    }
  }
  const lower = reply.toLowerCase();
  for (const stem of PROMISE_STEMS) {
    if (lower.includes(stem) && !knowledge.includes(stem)) violations.push({ kind: 'promise', text: stem });
  }
  return violations;
}

/** The reply gives away the prompt: its canary, or one of our instruction lines word for word. */
export function leaksPrompt(reply: string, canary: string, instructionLines: readonly string[]): boolean {
  const flat = reply.toLowerCase().replace(/\s+/g, ' ');
  if (flat.includes(canary.toLowerCase())) return true;
  return instructionLines.some((line) => line.length >= 40 && flat.includes(line.toLowerCase()));
}

const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>()[\]]+/giu;

function hostOf(link: string): string | undefined {
  try {
    return new URL(link.startsWith('www.') ? `https://${link}` : link).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Hosts the tenant itself wrote in its texts: links to them may stay. */
export function linkHostsOf(text: string): Set<string> {
  const hosts = new Set<string>();
  for (const match of text.matchAll(URL_PATTERN)) {
    const host = hostOf(match[0]);
    if (host) hosts.add(host);
  }
  return hosts;
}

/**
 * Markdown images and HTML image/link tags are dropped, markdown links keep only their label, and bare
 * links to hosts the tenant never wrote become "[link removed]": a reply cannot carry a customer to a
 * site (or a tracking pixel) an injected instruction chose.
 */
export function neutraliseLinks(text: string, allowedHosts: ReadonlySet<string>): string {
  const keep = (link: string) => {
    const host = hostOf(link);
    return host !== undefined && allowedHosts.has(host);
  };
  return text
    .replace(/!\[[^\]]*\]\([^)]*\)/gu, '')
    .replace(/<\s*img\b[^>]*>/giu, '')
    .replace(/<\s*\/?\s*a\b[^>]*>/giu, '')
    .replace(/\[([^\]]*)\]\(([^)\s]*)[^)]*\)/gu, (_whole, label: string, link: string) =>
      keep(link) ? `${label} (${link})` : label,
    )
    .replace(URL_PATTERN, (link) => (keep(link) ? link : '[link removed]'))
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
