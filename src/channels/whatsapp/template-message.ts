import type { ErrorDetail } from '../../platform/http/app-error.js';
import type { Logger } from '../../platform/logging/logger.js';
import { GraphApiError, type GraphChannel } from './graph-api.client.js';
import type { Template, TemplateCatalog } from './template-catalog.js';
import {
  PARAMETER_LIMITS,
  type ParameterProblem,
  parameterCount,
  parameterProblem,
  renderTemplateText,
  sentValues,
  type TextComponent,
  templateText,
} from './template-text.js';

/** A template send as the ledger stores it: name, language and Meta's request components. */
export interface TemplateSend {
  name: string;
  language: string;
  components?: Array<Record<string, unknown>>;
}

const PROBLEM_TEXT: Record<ParameterProblem, (limit: number) => string> = {
  empty: () => 'must not be empty',
  'line-break': () => 'must not contain line breaks or tabs',
  spaces: () => 'must not contain more than four spaces in a row',
  'too-long': (limit) => `must be at most ${limit} characters`,
};

/**
 * What is wrong with a template send's text parameters, each with the path of the request field (empty
 * when it may go). Meta's rules for the values always apply; with the template's definition, the header
 * and body must also carry exactly as many parameters as the template has variables (else Meta refuses
 * the message with 132000, after it was queued).
 */
export function templateSendProblems(send: TemplateSend, definition: Template | undefined): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const components = send.components ?? [];
  const bodyLimit = components.length === 1 ? PARAMETER_LIMITS.bodyAlone : PARAMETER_LIMITS.body;
  components.forEach((component, at) => {
    const type = String(component.type).toLowerCase();
    if (type !== 'header' && type !== 'body') return;
    const parameters = Array.isArray(component.parameters) ? component.parameters : [];
    parameters.forEach((parameter: Record<string, unknown>, index) => {
      if (parameter?.type !== 'text') return;
      const path = `template.components.${at}.parameters.${index}.text`;
      if (typeof parameter.text !== 'string') {
        problems.push({ path, message: 'must be a string' });
        return;
      }
      const limit = type === 'header' ? PARAMETER_LIMITS.header : bodyLimit;
      const problem = parameterProblem(parameter.text, limit);
      if (problem) problems.push({ path, message: PROBLEM_TEXT[problem](limit) });
    });
  });
  if (!definition) return problems;
  const text = templateText(definition.components);
  // Named variables are sent by name, not by position: their count says nothing here.
  if (text.named.length > 0) return problems;
  const given = sentValues(components);
  // A media header's parameter is its file, not a variable.
  const counted: TextComponent[] = text.headerMedia ? ['body'] : ['header', 'body'];
  for (const component of counted) {
    const expected = parameterCount(text, component);
    if (given[component].length !== expected) {
      problems.push({
        path: 'template.components',
        message: `${send.name} (${send.language}) has ${expected} ${component} variable${expected === 1 ? '' : 's'}; ${given[component].length} ${component} parameter${given[component].length === 1 ? '' : 's'} given`,
      });
    }
  }
  return problems;
}

/** The text the customer reads for a template send, from its definition; null without a definition. */
export function renderedTemplateText(send: TemplateSend, definition: Template | undefined): string | null {
  if (!definition) return null;
  const rendered = renderTemplateText(templateText(definition.components), sentValues(send.components));
  return rendered === '' ? null : rendered;
}

/**
 * The definition of a template send's template on its channel, from the catalog (asking Meta when the
 * remembered listing is stale). Undefined when Meta has no such approved template or could not be asked:
 * the message is then shown by the template's name, and Meta remains the judge of the send.
 */
export async function findTemplateDefinition(
  catalog: TemplateCatalog,
  channel: GraphChannel,
  wabaId: string,
  send: TemplateSend,
  logger: Pick<Logger, 'warn'>,
): Promise<Template | undefined> {
  try {
    return await catalog.find(channel, wabaId, send.name, send.language);
  } catch (error) {
    if (!(error instanceof GraphApiError)) throw error;
    // Showing the name instead of the text is the whole cost: the send itself does not depend on it.
    logger.warn(
      { channelId: channel.id, code: error.code },
      'the templates could not be listed; the template message is shown by its name',
    );
    return undefined;
  }
}
