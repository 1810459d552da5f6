import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { describeError } from '../api/client';
import { keys } from '../api/queries';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';
import { type CampaignVariant, campaignApi, campaignKeys, type TemplateVariable } from './campaign-api';
import { templateShape, variablesFor } from './message-parts';

type Template = NonNullable<CampaignVariant['template']>;

const contactSources = (): { value: string; label: string }[] => [
  { value: 'contact.firstName', label: t('campaigns.template.source.firstName') },
  { value: 'contact.lastName', label: t('campaigns.template.source.lastName') },
  { value: 'contact.displayName', label: t('campaigns.template.source.displayName') },
  { value: 'contact.company', label: t('campaigns.template.source.company') },
  { value: 'contact.email', label: t('campaigns.template.source.email') },
  { value: 'contact.phone', label: t('campaigns.template.source.phone') },
];

function componentText(component: TemplateVariable['component']): string {
  const text: Record<TemplateVariable['component'], string> = {
    header: t('campaigns.template.component.header'),
    body: t('campaigns.template.component.body'),
    button: t('campaigns.template.component.button'),
  };
  return text[component];
}

/**
 * A variant's WhatsApp template: one of the channel's approved templates (as Meta lists them now), each
 * numbered variable mapped to a contact or custom field with a fallback, and the header's media link.
 */
export function TemplateChoice(props: {
  channelId: string | null;
  variantKey: 'A' | 'B';
  value: Template | undefined;
  onChange: (template: Template | undefined) => void;
}) {
  const { channelId, value, variantKey } = props;
  const templates = useQuery({
    queryKey: keys.templates(channelId ?? ''),
    queryFn: ({ signal }) => campaignApi.templates(channelId ?? '', { signal }),
    enabled: channelId !== null,
    // Approvals change at Meta, not here: a minute-old list is fresh enough for choosing.
    staleTime: 60_000,
  });
  const fields = useQuery({ queryKey: campaignKeys.customFields, queryFn: campaignApi.customFields });
  const approved = useMemo(
    () => (templates.data ?? []).filter((template) => template.status.toUpperCase() === 'APPROVED'),
    [templates.data],
  );
  const chosen = value
    ? approved.find((item) => item.name === value.name && item.language === value.language)
    : undefined;
  const shape = chosen ? templateShape(chosen) : null;
  const label = variantKey === 'B' ? t('campaigns.template.labelB') : t('campaigns.template.label');

  if (channelId === null) return <p className="muted">{t('campaigns.template.channelFirst')}</p>;

  const choose = (choice: string) => {
    const template = approved.find((item) => `${item.name}|${item.language}` === choice);
    if (!template) return props.onChange(undefined);
    const next = templateShape(template);
    props.onChange({
      name: template.name,
      language: template.language,
      variables: variablesFor(next, value?.variables ?? []),
      ...(next.headerMedia && value?.headerMediaUrl ? { headerMediaUrl: value.headerMediaUrl } : {}),
    });
  };
  const setVariable = (at: number, patch: Partial<TemplateVariable>) => {
    if (!value) return;
    props.onChange({
      ...value,
      variables: value.variables.map((variable, index) =>
        index === at ? { ...variable, ...patch } : variable,
      ),
    });
  };

  return (
    <div className="template-choice">
      <label>
        {label}
        <select
          value={value ? `${value.name}|${value.language}` : ''}
          disabled={!templates.data}
          onChange={(event) => choose(event.target.value)}
        >
          <option value="">
            {templates.isPending
              ? t('campaigns.template.loading')
              : templates.error
                ? t('campaigns.template.unavailable')
                : t('campaigns.template.choose')}
          </option>
          {approved.map((item) => (
            <option key={`${item.name}|${item.language}`} value={`${item.name}|${item.language}`}>
              {item.name} ({item.language}){item.category ? ` — ${item.category.toLowerCase()}` : ''}
            </option>
          ))}
          {value && !chosen && templates.data && (
            <option value={`${value.name}|${value.language}`}>
              {t('campaigns.template.noLongerApproved', { name: value.name, language: value.language })}
            </option>
          )}
        </select>
      </label>
      <ErrorNote
        message={
          templates.error
            ? t('campaigns.template.loadFailed', { error: describeError(templates.error) })
            : null
        }
        onRetry={() => void templates.refetch()}
      />
      {templates.data && approved.length === 0 && (
        <p className="muted">{t('campaigns.template.noneApproved')}</p>
      )}
      {value && templates.data && !chosen && (
        <p className="error-note" role="alert">
          {t('campaigns.template.notApprovedAnyMore', { name: value.name, language: value.language })}
        </p>
      )}
      {shape && (
        <>
          {shape.body && <blockquote className="template-body">{shape.body}</blockquote>}
          {shape.named.length > 0 && (
            <p className="error-note" role="alert">
              {t('campaigns.template.namedVariables', { names: shape.named.join(', ') })}
            </p>
          )}
          {value && value.variables.length > 0 && (
            <table className="table template-variables">
              <caption className="visually-hidden">{t('campaigns.template.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('campaigns.template.variable')}</th>
                  <th scope="col">{t('campaigns.template.filledWith')}</th>
                  <th scope="col">{t('campaigns.template.whenNone')}</th>
                </tr>
              </thead>
              <tbody>
                {value.variables.map((variable, at) => {
                  const name = `${componentText(variable.component)} {{${variable.index}}}`;
                  return (
                    <tr key={`${variable.component}-${variable.index}`}>
                      <th scope="row">{name}</th>
                      <td>
                        <select
                          aria-label={
                            variantKey === 'B'
                              ? t('campaigns.template.filledWithLabelB', { name })
                              : t('campaigns.template.filledWithLabel', { name })
                          }
                          value={variable.source}
                          onChange={(event) => setVariable(at, { source: event.target.value })}
                        >
                          <optgroup label={t('campaigns.template.contactGroup')}>
                            {contactSources().map((source) => (
                              <option key={source.value} value={source.value}>
                                {source.label}
                              </option>
                            ))}
                          </optgroup>
                          {fields.data && fields.data.length > 0 && (
                            <optgroup label={t('campaigns.template.customFields')}>
                              {fields.data.map((field) => (
                                <option key={field.key} value={`contact.fields.${field.key}`}>
                                  {field.label}
                                </option>
                              ))}
                            </optgroup>
                          )}
                        </select>
                      </td>
                      <td>
                        <input
                          aria-label={
                            variantKey === 'B'
                              ? t('campaigns.template.fallbackLabelB', { name })
                              : t('campaigns.template.fallbackLabel', { name })
                          }
                          value={variable.fallback}
                          maxLength={200}
                          placeholder={t('campaigns.template.fallbackExample')}
                          onChange={(event) => setVariable(at, { fallback: event.target.value })}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <ErrorNote
            message={
              fields.error
                ? t('campaigns.template.fieldsFailed', { error: describeError(fields.error) })
                : null
            }
            onRetry={() => void fields.refetch()}
          />
          {shape.headerMedia && value && (
            <label>
              {variantKey === 'B'
                ? t('campaigns.template.mediaLinkB', {
                    media: shape.headerMedia,
                  })
                : t('campaigns.template.mediaLink', {
                    media: shape.headerMedia,
                  })}
              <input
                type="url"
                required
                maxLength={2000}
                pattern="https://.*"
                placeholder="https://example.com/offer.jpg"
                value={value.headerMediaUrl ?? ''}
                onChange={(event) =>
                  props.onChange({
                    ...value,
                    ...(event.target.value
                      ? { headerMediaUrl: event.target.value }
                      : { headerMediaUrl: undefined }),
                  })
                }
              />
            </label>
          )}
        </>
      )}
    </div>
  );
}
