import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { describeError } from '../api/client';
import { keys } from '../api/queries';
import { ConfirmDialog } from '../common/Dialog';
import { ErrorNote } from '../common/feedback';
import { useView } from '../common/view';
import { rich, t } from '../i18n/i18n';
import {
  type Campaign,
  type CampaignInput,
  type CampaignVariant,
  type ChannelKind,
  campaignApi,
  campaignKeys,
} from './campaign-api';
import { CampaignsBreadcrumb } from './campaign-parts';
import { channelText, clockMinutes, clockText } from './campaign-text';
import { LaunchPanel } from './LaunchPanel';
import { SmsText } from './SmsText';
import { TemplateChoice } from './TemplateChoice';

const DEFAULT_QUIET = { start: 21 * 60, end: 9 * 60 };

function initialInput(campaign: Campaign | null): CampaignInput {
  if (!campaign) {
    return {
      name: '',
      channelKind: 'whatsapp',
      channelId: null,
      segmentId: null,
      replyHandling: 'bot',
      content: { variants: [{ key: 'A' }] },
      quietHours: DEFAULT_QUIET,
    };
  }
  const { name, channelKind, channelId, segmentId, replyHandling, content, quietHours } = campaign;
  return {
    name,
    channelKind,
    channelId,
    segmentId,
    replyHandling,
    content: content.variants.length > 0 ? content : { ...content, variants: [{ key: 'A' }] },
    quietHours,
  };
}

/** Only what the chosen channel uses is saved: a template for WhatsApp, a text for SMS, neither for Lemlist. */
function contentToSave(input: CampaignInput): CampaignInput['content'] {
  const variants = input.content.variants.map((variant): CampaignVariant => {
    if (input.channelKind === 'whatsapp')
      return { key: variant.key, ...(variant.template ? { template: variant.template } : {}) };
    if (input.channelKind === 'sms')
      return { key: variant.key, ...(variant.text ? { text: variant.text } : {}) };
    return { key: variant.key };
  });
  const lemlist = input.channelKind === 'lemlist' ? input.content.lemlistCampaignId?.trim() : undefined;
  return {
    variants: input.channelKind === 'lemlist' ? [] : variants,
    ...(lemlist ? { lemlistCampaignId: lemlist } : {}),
  };
}

/** /campaigns/new and a draft's page: what to send, to whom, through which channel, and when. */
export function CampaignEditor(props: { campaign: Campaign | null; canManage: boolean }) {
  const { campaign } = props;
  const heading = useView(campaign ? t('campaigns.pageTitle', { name: campaign.name }) : t('campaigns.new'));
  const navigate = useNavigate();
  const client = useQueryClient();
  const [input, setInput] = useState<CampaignInput>(() => initialInput(campaign));
  const [saved, setSaved] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const formId = useId();
  const change = (patch: Partial<CampaignInput>) => {
    setSaved(false);
    setInput((current) => ({ ...current, ...patch }));
  };
  const setVariant = (key: 'A' | 'B', patch: Partial<CampaignVariant>) =>
    change({
      content: {
        ...input.content,
        variants: input.content.variants.map((variant) =>
          variant.key === key ? { ...variant, ...patch } : variant,
        ),
      },
    });
  const abTest = input.content.variants.some((variant) => variant.key === 'B');
  const setAbTest = (on: boolean) =>
    change({
      content: {
        ...input.content,
        variants: on
          ? [...input.content.variants.filter((variant) => variant.key === 'A'), { key: 'B' }]
          : input.content.variants.filter((variant) => variant.key === 'A'),
      },
    });

  const save = useMutation({
    mutationFn: () => {
      const body = { ...input, name: input.name.trim(), content: contentToSave(input) };
      if (!campaign) return campaignApi.create(body);
      const { channelKind: _kind, ...patch } = body;
      return campaignApi.update(campaign.id, patch);
    },
    onSuccess: (stored) => {
      client.setQueryData(campaignKeys.campaign(stored.id), stored);
      void client.invalidateQueries({ queryKey: [...keys.campaigns, 'list'] });
      setSaved(true);
      if (!campaign) navigate(`/campaigns/${stored.id}`);
    },
  });
  const remove = useMutation({
    mutationFn: () => campaignApi.remove(campaign?.id ?? ''),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.campaigns });
      navigate('/campaigns');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!save.isPending) save.mutate();
  };

  return (
    <section className="settings-page card campaigns">
      <CampaignsBreadcrumb />
      <h1 ref={heading} tabIndex={-1}>
        {campaign ? campaign.name : t('campaigns.new')}
      </h1>
      {campaign && <p className="muted">{t('campaigns.editor.draftNote')}</p>}
      {!props.canManage && (
        <p className="warning" role="status">
          {t('campaigns.editor.managersOnly')}
        </p>
      )}
      <form id={formId} className="campaign-form" onSubmit={submit}>
        <fieldset className="plain" disabled={!props.canManage}>
          <label>
            {t('campaigns.editor.name')}
            <input
              required
              maxLength={200}
              value={input.name}
              onChange={(event) => change({ name: event.target.value })}
            />
          </label>
          <fieldset disabled={campaign !== null}>
            <legend>{t('campaigns.editor.channel')}</legend>
            {(['whatsapp', 'sms', 'lemlist'] as ChannelKind[]).map((kind) => (
              <label key={kind} className="radio">
                <input
                  type="radio"
                  name="channel-kind"
                  value={kind}
                  checked={input.channelKind === kind}
                  onChange={() => change({ channelKind: kind, channelId: null })}
                />
                {channelText(kind)}
              </label>
            ))}
            {campaign && <p className="muted">{t('campaigns.editor.channelFixed')}</p>}
          </fieldset>
          {input.channelKind !== 'lemlist' ? (
            <ChannelSelect
              kind={input.channelKind}
              value={input.channelId}
              onChange={(channelId) => change({ channelId })}
            />
          ) : (
            <label>
              {t('campaigns.editor.lemlistId')}
              <input
                value={input.content.lemlistCampaignId ?? ''}
                maxLength={100}
                pattern="[A-Za-z0-9_\-]{1,100}"
                placeholder="cam_A1b2C3"
                onChange={(event) =>
                  change({ content: { ...input.content, lemlistCampaignId: event.target.value } })
                }
              />
            </label>
          )}
          <SegmentSelect value={input.segmentId} onChange={(segmentId) => change({ segmentId })} />

          {input.channelKind !== 'lemlist' && (
            <>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={abTest}
                  onChange={(event) => setAbTest(event.target.checked)}
                />
                {input.channelKind === 'whatsapp'
                  ? t('campaigns.editor.abTemplate')
                  : t('campaigns.editor.abText')}
              </label>
              {input.content.variants.map((variant) => (
                <fieldset key={variant.key} className="campaign-variant">
                  <legend>
                    {abTest ? t('campaigns.variant', { key: variant.key }) : t('campaigns.editor.message')}
                  </legend>
                  {input.channelKind === 'whatsapp' ? (
                    <TemplateChoice
                      channelId={input.channelId}
                      variantKey={variant.key}
                      value={variant.template}
                      onChange={(template) => setVariant(variant.key, { template })}
                    />
                  ) : (
                    <SmsText
                      variantKey={variant.key}
                      value={variant.text ?? ''}
                      onChange={(text) => setVariant(variant.key, { text })}
                    />
                  )}
                </fieldset>
              ))}
            </>
          )}

          <fieldset>
            <legend>{t('campaigns.editor.replies')}</legend>
            <label className="radio">
              <input
                type="radio"
                name="reply-handling"
                checked={input.replyHandling === 'bot'}
                onChange={() => change({ replyHandling: 'bot' })}
              />
              {t('campaigns.editor.replyBot')}
            </label>
            <label className="radio">
              <input
                type="radio"
                name="reply-handling"
                checked={input.replyHandling === 'human'}
                onChange={() => change({ replyHandling: 'human' })}
              />
              {t('campaigns.editor.replyHuman')}
            </label>
          </fieldset>

          <QuietHoursField value={input.quietHours} onChange={(quietHours) => change({ quietHours })} />

          <ErrorNote message={save.error ? describeError(save.error) : null} />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={save.isPending}>
              {campaign ? t('campaigns.editor.save') : t('campaigns.editor.create')}
            </button>
            {saved && !save.isPending && (
              <span role="status" className="success-note">
                {t('common.saved')}
              </span>
            )}
            {campaign && (
              <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
                {t('campaigns.editor.delete')}
              </button>
            )}
            {!campaign && <Link to="/campaigns">{t('common.cancel')}</Link>}
          </div>
        </fieldset>
      </form>
      {campaign && props.canManage && (
        <LaunchPanel
          campaign={campaign}
          unsaved={!saved && JSON.stringify(input) !== JSON.stringify(initialInput(campaign))}
        />
      )}
      {confirmDelete && campaign && (
        <ConfirmDialog
          title={t('campaigns.editor.deleteTitle')}
          cancel={t('campaigns.editor.keep')}
          confirm={t('campaigns.editor.delete')}
          onClose={() => setConfirmDelete(false)}
          onConfirm={() => {
            remove.mutate();
          }}
        >
          <p>{t('campaigns.editor.deleteText', { name: campaign.name })}</p>
        </ConfirmDialog>
      )}
      <ErrorNote message={remove.error ? describeError(remove.error) : null} />
    </section>
  );
}

function ChannelSelect(props: {
  kind: 'whatsapp' | 'sms';
  value: string | null;
  onChange: (id: string | null) => void;
}) {
  const channels = useQuery({
    queryKey: campaignKeys.channels(props.kind),
    queryFn: ({ signal }) => campaignApi.channels(props.kind, { signal }),
  });
  const whatsapp = props.kind === 'whatsapp';
  const label = whatsapp ? t('campaigns.editor.whatsappChannel') : t('campaigns.editor.smsNumber');
  return (
    <div className="field">
      <label>
        {label}
        <select value={props.value ?? ''} onChange={(event) => props.onChange(event.target.value || null)}>
          <option value="">
            {channels.isPending
              ? t('common.loading')
              : whatsapp
                ? t('campaigns.editor.chooseWhatsapp')
                : t('campaigns.editor.chooseSms')}
          </option>
          {(channels.data ?? []).map((channel) => (
            <option key={channel.id} value={channel.id}>
              {channel.label}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote
        message={
          channels.error
            ? whatsapp
              ? t('campaigns.editor.whatsappFailed', {
                  error: describeError(channels.error),
                })
              : t('campaigns.editor.smsFailed', {
                  error: describeError(channels.error),
                })
            : null
        }
        onRetry={() => void channels.refetch()}
      />
      {channels.data?.length === 0 && (
        <p className="muted">
          {rich('campaigns.editor.noneConnected', [(text) => <Link to="/settings">{text}</Link>])}
        </p>
      )}
    </div>
  );
}

function SegmentSelect(props: { value: string | null; onChange: (id: string | null) => void }) {
  const segments = useQuery({ queryKey: campaignKeys.segments, queryFn: campaignApi.segments });
  return (
    <div className="field">
      <label>
        {t('campaigns.editor.audience')}
        <select value={props.value ?? ''} onChange={(event) => props.onChange(event.target.value || null)}>
          <option value="">
            {segments.isPending ? t('common.loading') : t('campaigns.editor.chooseSegment')}
          </option>
          {(segments.data ?? []).map((segment) => (
            <option key={segment.id} value={segment.id}>
              {segment.name}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote
        message={
          segments.error
            ? t('campaigns.editor.segmentsFailed', { error: describeError(segments.error) })
            : null
        }
        onRetry={() => void segments.refetch()}
      />
      {segments.data?.length === 0 && <p className="muted">{t('campaigns.editor.noSegments')}</p>}
    </div>
  );
}

function QuietHoursField(props: {
  value: CampaignInput['quietHours'];
  onChange: (value: CampaignInput['quietHours']) => void;
}) {
  const { value } = props;
  const hintId = useId();
  return (
    <fieldset>
      <legend>{t('campaigns.editor.quietHours')}</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={value !== null}
          onChange={(event) => props.onChange(event.target.checked ? DEFAULT_QUIET : null)}
        />
        {t('campaigns.editor.quietHoursCheck')}
      </label>
      {value && (
        <div className="inline-fields">
          <label>
            {t('campaigns.editor.from')}
            <input
              type="time"
              required
              value={clockText(value.start)}
              aria-describedby={hintId}
              onChange={(event) => {
                const start = clockMinutes(event.target.value);
                if (start !== null) props.onChange({ ...value, start });
              }}
            />
          </label>
          <label>
            {t('campaigns.editor.until')}
            <input
              type="time"
              required
              value={clockText(value.end)}
              aria-describedby={hintId}
              onChange={(event) => {
                const end = clockMinutes(event.target.value);
                if (end !== null) props.onChange({ ...value, end });
              }}
            />
          </label>
        </div>
      )}
      <p id={hintId} className="muted">
        {t('campaigns.editor.quietHoursHint')}
      </p>
    </fieldset>
  );
}
