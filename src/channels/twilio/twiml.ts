/** TwiML, built from escaped parts only: a visitor's name never becomes markup. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

const attributes = (values: Record<string, string | number>) =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');

export function element(name: string, attrs: Record<string, string | number>, ...children: string[]): string {
  return children.length === 0
    ? `<${name}${attributes(attrs)}/>`
    : `<${name}${attributes(attrs)}>${children.join('')}</${name}>`;
}

export function text(value: string): string {
  return escapeXml(value);
}

export function response(...verbs: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.join('')}</Response>`;
}

/** Twilio <Say> voices' language codes for the widget's languages. */
export const SAY_LANGUAGE: Record<string, string> = { en: 'en-US', it: 'it-IT', pt: 'pt-BR', es: 'es-ES' };
