/**
 * What a WhatsApp message template says once its numbered variables ({{1}}, {{2}}, ...) are filled, and
 * Meta's rules for the values. Pure and import-free: the server stores the text a customer read with a
 * template message (the thread and the conversation list show it), and the dashboard's composer shows the
 * same text as a live preview while the operator fills the variables.
 *
 * Meta fills a component's placeholders by position: its first text parameter is {{1}}, the second {{2}}.
 */

/** A component of a template as Meta lists it (`type`, `format`, `text`, `buttons`, `example`, ...). */
export type TemplateComponentDefinition = Record<string, unknown>;

/** The components of a template that carry text variables an operator fills. */
export type TextComponent = 'header' | 'body';

export interface TemplateVariableSlot {
  component: TextComponent;
  /** The placeholder's number: {{index}}. */
  index: number;
}

/** What a template's components say, before any variable is filled. */
export interface TemplateText {
  /** The header's text; null when there is none or it is a media header. */
  header: string | null;
  /** IMAGE, VIDEO, DOCUMENT, LOCATION: a header that needs a file or a place, not text. */
  headerMedia: string | null;
  body: string;
  footer: string | null;
  /** Numbered placeholders, header first, each number once, in order. */
  variables: TemplateVariableSlot[];
  /** Named placeholders ({{first_name}}): a different parameter format, not filled here. */
  named: string[];
  /** A URL button with a variable part: it needs a button parameter. */
  buttonVariables: boolean;
}

/** The values of the text parameters, per component, in placeholder order. */
export interface TemplateValues {
  header: readonly string[];
  body: readonly string[];
}

/** Meta's limits for one text parameter (Cloud API message components reference). */
export const PARAMETER_LIMITS = {
  header: 60,
  /** When the body is not the only component sent; alone, 32,768. */
  body: 1024,
  bodyAlone: 32_768,
} as const;

const NUMBERED = /\{\{\s*(\d{1,3})\s*\}\}/g;
const NAMED = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;
const MEDIA_FORMATS = new Set(['IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']);

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function numbersIn(text: string): number[] {
  const seen = new Set<number>();
  for (const match of text.matchAll(NUMBERED)) seen.add(Number(match[1]));
  return [...seen].sort((a, b) => a - b);
}

/** Reads a template's text components (Meta's shape; unknown types and fields are ignored). */
export function templateText(components: readonly TemplateComponentDefinition[]): TemplateText {
  const result: TemplateText = {
    header: null,
    headerMedia: null,
    body: '',
    footer: null,
    variables: [],
    named: [],
    buttonVariables: false,
  };
  const named = new Set<string>();
  for (const component of components) {
    const type = str(component.type).toUpperCase();
    const text = str(component.text);
    if (type === 'HEADER') {
      const format = str(component.format).toUpperCase() || 'TEXT';
      if (MEDIA_FORMATS.has(format)) result.headerMedia = format;
      else result.header = text || null;
    } else if (type === 'BODY') result.body = text;
    else if (type === 'FOOTER') result.footer = text || null;
    else if (type === 'BUTTONS' && Array.isArray(component.buttons)) {
      result.buttonVariables = (component.buttons as Record<string, unknown>[]).some(
        (button) => str(button.type).toUpperCase() === 'URL' && numbersIn(str(button.url)).length > 0,
      );
    }
  }
  for (const [component, text] of [
    ['header', result.header ?? ''],
    ['body', result.body],
  ] as const) {
    for (const index of numbersIn(text)) result.variables.push({ component, index });
    for (const match of text.matchAll(NAMED)) if (match[1]) named.add(match[1]);
  }
  result.named = [...named];
  return result;
}

/** The number of parameters a component needs: its highest placeholder number (Meta fills by position). */
export function parameterCount(text: TemplateText, component: TextComponent): number {
  return Math.max(0, ...text.variables.filter((slot) => slot.component === component).map((v) => v.index));
}

/** `{{n}}` replaced by the n-th value; a placeholder without a value (or an empty one) stays as it is. */
export function fillPlaceholders(text: string, values: readonly string[]): string {
  return text.replace(NUMBERED, (placeholder, number: string) => values[Number(number) - 1] || placeholder);
}

/** The text the customer reads: header, body and footer, variables filled, a blank line between them. */
export function renderTemplateText(text: TemplateText, values: TemplateValues): string {
  return [
    text.header === null ? null : fillPlaceholders(text.header, values.header),
    text.body === '' ? null : fillPlaceholders(text.body, values.body),
    text.footer,
  ]
    .filter((part): part is string => part !== null && part.trim() !== '')
    .join('\n\n');
}

/**
 * The text parameters of a send's components (Meta's request shape), per component. A currency or date
 * parameter reads as its fallback value; others (media) are kept as an empty value in their position.
 */
export function sentValues(components: readonly Record<string, unknown>[] | undefined): TemplateValues {
  const values = { header: [] as string[], body: [] as string[] };
  for (const component of components ?? []) {
    const type = str(component.type).toLowerCase();
    if (type !== 'header' && type !== 'body') continue;
    const parameters = Array.isArray(component.parameters) ? component.parameters : [];
    values[type] = parameters.map((parameter: unknown) => {
      const { type: kind, text, currency, date_time } = (parameter ?? {}) as Record<string, unknown>;
      if (kind === 'text') return str(text);
      const fallback = (kind === 'currency' ? currency : kind === 'date_time' ? date_time : undefined) as
        | { fallback_value?: unknown }
        | undefined;
      return str(fallback?.fallback_value);
    });
  }
  return values;
}

export type ParameterProblem = 'empty' | 'line-break' | 'spaces' | 'too-long';

/**
 * Why Meta would refuse this text parameter (error 132018: no line breaks or tabs, at most four spaces
 * in a row; and it must not be empty or longer than the component allows), or undefined when it may go.
 */
export function parameterProblem(value: string, limit: number): ParameterProblem | undefined {
  if (value.trim() === '') return 'empty';
  if (/[\n\r\t]/.test(value)) return 'line-break';
  if (/ {5}/.test(value)) return 'spaces';
  if ([...value].length > limit) return 'too-long';
  return undefined;
}
