import { Liquid, LiquidError, type Template, Tokenizer, TokenKind } from 'liquidjs';
import { AppError, type ErrorDetail } from '../../platform/http/app-error.js';
import { DEFAULT_TEMPLATES, type TemplateKind, type TemplateLocale } from './default-templates.js';
import { sampleTemplateData, type TemplateData } from './template-data.js';

/**
 * Tenant templates for the quote message (WhatsApp text) and the quote document (the text above the
 * table in the PDF and on the customer's page), in LiquidJS, sandboxed:
 * - no file system: an empty in-memory template map, and the tags that load other templates refused;
 * - strict variables and filters: a typo fails when the template is saved, not in front of a customer;
 * - every output HTML-escaped, and no `<` or `>` in the template's own text, so the rendered text is
 *   safe HTML as it stands; sinks that are not HTML (the PDF, WhatsApp) decode the five entities back;
 * - limits on template length, render time, allocations and output size, so no template can hang or
 *   flood a worker.
 */

export const MAX_TEMPLATE_LENGTH = 20_000;
export const MAX_OUTPUT_LENGTH = 100_000;
const RENDER_LIMIT_MS = 200;
const MEMORY_LIMIT = 1e6;
const FORBIDDEN_TAGS = new Set(['include', 'render', 'layout', 'block', 'liquid']);

const engine = new Liquid({
  templates: {},
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  outputEscape: 'escape',
  parseLimit: MAX_TEMPLATE_LENGTH,
  renderLimit: RENDER_LIMIT_MS,
  memoryLimit: MEMORY_LIMIT,
  cache: false,
});
// `raw` would print a value unescaped: here it is an ordinary filter, so the escaping still applies.
engine.registerFilter('raw', { handler: (value: unknown) => value, raw: false });

function positionOf(error: unknown): { line: number; column: number } | undefined {
  if (!(error instanceof LiquidError)) return undefined;
  const [line, column] = error.token?.getPosition() ?? [];
  return line === undefined || column === undefined ? undefined : { line, column };
}

function templateError(kind: TemplateKind, message: string, at?: { line: number; column: number }): AppError {
  const where = at ? ` (line ${at.line}, column ${at.column})` : '';
  const detail: ErrorDetail = { path: `${kind}Template`, message: `${message}${where}` };
  return new AppError('validation_failed', `The ${kind} template is not valid: ${message}${where}`, {
    details: [detail],
  });
}

/** Liquid's messages end with ", line:1, col:5"; the position is reported apart, in words. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .replace(/, line:\d+, col:\d+$/, '')
      .split('\n')[0]
      ?.slice(0, 300) ?? 'invalid template'
  );
}

function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Refuses loading tags and markup in the template's own text, naming where. */
function checkTokens(kind: TemplateKind, source: string): void {
  const tokens = new Tokenizer(source).readTopLevelTokens();
  for (const token of tokens) {
    if (token.kind === TokenKind.Tag) {
      const name = (token as unknown as { name: string }).name;
      if (FORBIDDEN_TAGS.has(name)) {
        throw templateError(kind, `the ${name} tag is not allowed`, lineAndColumn(source, token.begin));
      }
    } else if (token.kind === TokenKind.HTML) {
      const text = token.getText();
      const at = text.search(/[<>]/);
      if (at >= 0) {
        throw templateError(
          kind,
          'the characters < and > are not allowed',
          lineAndColumn(source, token.begin + at),
        );
      }
    }
  }
}

export function parseTemplate(kind: TemplateKind, source: string): Template[] {
  if (source.length > MAX_TEMPLATE_LENGTH)
    throw templateError(kind, `longer than ${MAX_TEMPLATE_LENGTH} characters`);
  try {
    checkTokens(kind, source);
    return engine.parse(source);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw templateError(kind, messageOf(error), positionOf(error));
  }
}

export async function renderParsed(
  kind: TemplateKind,
  templates: Template[],
  data: TemplateData,
): Promise<string> {
  let output: string;
  try {
    output = await engine.render(templates, data as unknown as Record<string, unknown>);
  } catch (error) {
    throw templateError(kind, messageOf(error), positionOf(error));
  }
  if (output.length > MAX_OUTPUT_LENGTH)
    throw templateError(kind, `renders more than ${MAX_OUTPUT_LENGTH} characters`);
  return output;
}

/** Parses and renders with sample data: what saving a template checks (so strict variables bite now). */
export async function validateTemplate(
  kind: TemplateKind,
  source: string,
  fields: Record<string, string> = {},
): Promise<string> {
  return renderParsed(kind, parseTemplate(kind, source), sampleTemplateData(fields));
}

/** The tenant's template or the locale's default, rendered: safe HTML text (outputs escaped). */
export async function renderTemplate(
  kind: TemplateKind,
  source: string | null,
  locale: TemplateLocale,
  data: TemplateData,
): Promise<string> {
  return renderParsed(kind, parseTemplate(kind, source ?? DEFAULT_TEMPLATES[locale][kind]), data);
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&#34;': '"',
  '&#39;': "'",
};

/** Rendered text for a sink that is not HTML (PDF, WhatsApp): the escaped outputs read as typed. */
export function toPlainText(rendered: string): string {
  return rendered.replace(/&(?:amp|lt|gt|#34|#39);/g, (entity) => ENTITIES[entity] ?? entity);
}
