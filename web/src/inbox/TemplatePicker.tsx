import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import {
  PARAMETER_LIMITS,
  type ParameterProblem,
  parameterProblem,
  renderTemplateText,
  type TemplateVariableSlot,
  templateText,
} from '../../../src/channels/whatsapp/template-text';
import { api, describeError } from '../api/client';
import { keys } from '../api/queries';
import type { Conversation, Template } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';

const slotKey = (slot: TemplateVariableSlot) => `${slot.component}-${slot.index}`;
const components = (template: Template) => template.components as Record<string, unknown>[];

function problemText(problem: ParameterProblem, limit: number): string {
  switch (problem) {
    case 'empty':
      return t('composer.variableRequired');
    case 'line-break':
    case 'spaces':
      return t('composer.variableSpacing');
    case 'too-long':
      return t('composer.variableTooLong', { max: limit });
  }
}

/** Meta's sample value for a variable, shown as the input's placeholder. */
function example(template: Template, slot: TemplateVariableSlot): string | undefined {
  const component = components(template).find(
    (item) => String(item.type).toUpperCase() === slot.component.toUpperCase(),
  );
  const samples = component?.example as Record<string, unknown> | undefined;
  const values =
    slot.component === 'header'
      ? (samples?.header_text as unknown[] | undefined)
      : ((samples?.body_text as unknown[][] | undefined)?.[0] as unknown[] | undefined);
  const value = values?.[slot.index - 1];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Outside WhatsApp's 24-hour window: an approved template, its text previewed with the variables filled
 * in as the operator types them, one labelled input per numbered variable of its header and body.
 */
export function TemplatePicker(props: {
  conversation: Conversation;
  closedAt: Date | null;
  onSent: () => void;
}) {
  const id = useId();
  const channelId = props.conversation.channelId;
  const templatesQuery = useQuery({
    queryKey: keys.templates(channelId),
    queryFn: async ({ signal }) => {
      const path = `/whatsapp/channels/${channelId}/templates`;
      const result = await api<{ items: Template[] }>('GET', path, undefined, { signal });
      return result.items.filter((item) => item.status.toUpperCase() === 'APPROVED');
    },
  });
  const templates = templatesQuery.data ?? null;
  const loadError = templatesQuery.error ? describeError(templatesQuery.error) : null;
  const [sendError, setError] = useState<string | null>(null);
  const [choice, setChoice] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);

  const template = templates?.find((item) => `${item.name}|${item.language}` === choice);
  const text = template ? templateText(components(template)) : null;
  // What the inbox cannot fill: a header file, a button's link part, variables sent by name.
  const unsupported =
    text !== null && (text.headerMedia !== null || text.buttonVariables || text.named.length > 0);
  const limitOf = (slot: TemplateVariableSlot) =>
    slot.component === 'header' ? PARAMETER_LIMITS.header : PARAMETER_LIMITS.body;
  const problems = new Map<string, string>();
  for (const slot of text?.variables ?? []) {
    const problem = parameterProblem(values[slotKey(slot)] ?? '', limitOf(slot));
    if (problem) problems.set(slotKey(slot), problemText(problem, limitOf(slot)));
  }
  const valuesOf = (component: TemplateVariableSlot['component']) => {
    const slots = (text?.variables ?? []).filter((slot) => slot.component === component);
    const count = Math.max(0, ...slots.map((slot) => slot.index));
    return Array.from({ length: count }, (_, at) => values[`${component}-${at + 1}`]?.trim() ?? '');
  };
  const preview = text
    ? renderTemplateText(text, { header: valuesOf('header'), body: valuesOf('body') })
    : '';

  const choose = (next: string) => {
    setChoice(next);
    setValues({});
    setChecked(false);
    setError(null);
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!template || !text || unsupported || busy) return;
    if (problems.size > 0) {
      setChecked(true);
      const first = [...problems.keys()][0];
      if (first) document.getElementById(`${id}-${first}-input`)?.focus();
      return;
    }
    const parameters = (component: TemplateVariableSlot['component']) =>
      valuesOf(component).map((value) => ({ type: 'text', text: value }));
    const sent = [
      ...(valuesOf('header').length > 0 ? [{ type: 'header', parameters: parameters('header') }] : []),
      ...(valuesOf('body').length > 0 ? [{ type: 'body', parameters: parameters('body') }] : []),
    ];
    setBusy(true);
    setError(null);
    try {
      await api(
        'POST',
        `/conversations/${props.conversation.id}/messages`,
        {
          type: 'template',
          template: {
            name: template.name,
            language: template.language,
            ...(sent.length > 0 ? { components: sent } : {}),
          },
        },
        { headers: { 'idempotency-key': crypto.randomUUID() } },
      );
      choose('');
      props.onSent();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="template-picker" onSubmit={send} noValidate>
      <p className="window-closed" role="note">
        {props.closedAt
          ? t('composer.windowClosed', { closedAt: fullTime(props.closedAt.toISOString()) })
          : t('composer.notWrittenYet')}{' '}
        {t('composer.templatesOnly')}
      </p>
      <ErrorNote message={loadError} onRetry={() => void templatesQuery.refetch()} />
      <label>
        {t('composer.template')}
        <select value={choice} onChange={(event) => choose(event.target.value)}>
          <option value="">
            {templates === null ? t('composer.loadingTemplates') : t('composer.chooseTemplate')}
          </option>
          {(templates ?? []).map((item) => (
            <option key={`${item.name}|${item.language}`} value={`${item.name}|${item.language}`}>
              {item.name} ({item.language})
            </option>
          ))}
        </select>
      </label>
      {text && (
        <figure className="template-preview">
          <figcaption>{t('composer.templatePreview')}</figcaption>
          <blockquote>{preview}</blockquote>
        </figure>
      )}
      {unsupported && (
        <p className="error-note" role="alert">
          {t('composer.templateUnsupported')}
        </p>
      )}
      {!unsupported &&
        text?.variables.map((slot) => {
          const key = slotKey(slot);
          const problem = checked ? problems.get(key) : undefined;
          return (
            <label key={key} className="template-variable">
              {t('composer.templateVariable', { part: slot.component, index: slot.index })}
              <input
                id={`${id}-${key}-input`}
                type="text"
                required
                value={values[key] ?? ''}
                maxLength={limitOf(slot)}
                placeholder={template ? example(template, slot) : undefined}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? `${id}-${key}` : undefined}
                onChange={(event) => setValues({ ...values, [key]: event.target.value })}
              />
              {problem && (
                <span className="field-error" id={`${id}-${key}`}>
                  {problem}
                </span>
              )}
            </label>
          );
        })}
      {/* Gone once every variable is filled in: the fields' own notes say what is still wrong. */}
      <ErrorNote message={checked && problems.size > 0 ? t('composer.fixVariables') : sendError} />
      <button
        type="submit"
        className="primary"
        disabled={!template || unsupported}
        aria-disabled={busy || undefined}
      >
        {t('composer.sendTemplate')}
      </button>
    </form>
  );
}
