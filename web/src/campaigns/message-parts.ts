// Self-contained (no imports): also unit-tested from Node (test/web/).

/** A template as the API lists it (`GET /api/v1/whatsapp/channels/{id}/templates`), components as Meta's. */
export interface MessageTemplate {
  name: string;
  language: string;
  category: string | null;
  status: string;
  components: Record<string, unknown>[];
}

/** Where one numbered template variable's value comes from, with the text used when the contact has none. */
export interface TemplateVariable {
  component: 'header' | 'body' | 'button';
  index: number;
  source: string;
  fallback: string;
}

// GSM 03.38: the basic set, and the extension table whose characters take two septets (ESC + char).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const basic = new Set(GSM_BASIC);
const extended = new Set(GSM_EXTENDED);

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  segments: number;
  /** How many units one segment holds for this text (fewer once it is split: each part carries a header). */
  perSegment: number;
}

/**
 * How many SMS segments a text is sent as: 160 GSM-7 characters in one message, 153 per part once split;
 * any character outside GSM-7 makes the whole text UCS-2 (70, then 67 per part). Twilio bills per segment.
 */
export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (basic.has(char)) septets += 1;
    else if (extended.has(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (text.length === 0) return { encoding: 'GSM-7', units: 0, segments: 0, perSegment: 160 };
  if (gsm) {
    const perSegment = septets <= 160 ? 160 : 153;
    return { encoding: 'GSM-7', units: septets, segments: Math.ceil(septets / perSegment), perSegment };
  }
  const units = text.length;
  const perSegment = units <= 70 ? 70 : 67;
  return { encoding: 'UCS-2', units, segments: Math.ceil(units / perSegment), perSegment };
}

export type PlaceholderComponent = TemplateVariable['component'];

export interface TemplateShape {
  /** Numbered placeholders ({{1}}, {{2}}, ...) by component, each once, in order. */
  placeholders: { component: PlaceholderComponent; index: number; context: string }[];
  /** The header's media kind when the header is an image, a video or a document. */
  headerMedia: 'image' | 'video' | 'document' | null;
  /** Named placeholders ({{first_name}}): not supported by campaigns yet. */
  named: string[];
  body: string;
}

const NUMBERED = /\{\{\s*(\d+)\s*\}\}/g;
const NAMED = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** What a template asks for: its numbered variables per component and whether its header is media. */
export function templateShape(template: MessageTemplate): TemplateShape {
  const placeholders: TemplateShape['placeholders'] = [];
  const named = new Set<string>();
  let headerMedia: TemplateShape['headerMedia'] = null;
  let body = '';
  const collect = (component: PlaceholderComponent, source: string) => {
    const seen = new Set<number>();
    for (const match of source.matchAll(NUMBERED)) {
      const index = Number(match[1]);
      if (seen.has(index)) continue;
      seen.add(index);
      placeholders.push({ component, index, context: source });
    }
    for (const match of source.matchAll(NAMED)) if (match[1]) named.add(match[1]);
  };
  for (const component of template.components) {
    const type = text(component.type).toUpperCase();
    if (type === 'HEADER') {
      const format = text(component.format).toUpperCase();
      if (format === 'IMAGE' || format === 'VIDEO' || format === 'DOCUMENT') {
        headerMedia = format.toLowerCase() as TemplateShape['headerMedia'];
      } else collect('header', text(component.text));
    } else if (type === 'BODY') {
      body = text(component.text);
      collect('body', body);
    } else if (type === 'BUTTONS' && Array.isArray(component.buttons)) {
      for (const button of component.buttons as Record<string, unknown>[]) {
        if (text(button.type).toUpperCase() === 'URL') collect('button', text(button.url));
      }
    }
  }
  placeholders.sort((a, b) =>
    a.component === b.component ? a.index - b.index : order(a.component) - order(b.component),
  );
  return { placeholders, headerMedia, named: [...named], body };
}

function order(component: PlaceholderComponent): number {
  return component === 'header' ? 0 : component === 'body' ? 1 : 2;
}

/** The variables a template needs, keeping what was already mapped for the same placeholders. */
export function variablesFor(shape: TemplateShape, current: readonly TemplateVariable[]): TemplateVariable[] {
  return shape.placeholders.map(
    ({ component, index }) =>
      current.find((variable) => variable.component === component && variable.index === index) ?? {
        component,
        index,
        source: 'contact.firstName',
        fallback: '',
      },
  );
}
