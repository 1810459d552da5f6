import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { describeError } from '../api/client';
import { keys } from '../api/queries';
import { ConfirmDialog } from '../common/Dialog';
import { ErrorNote } from '../common/feedback';
import { formatNumber, fullTime } from '../common/format';
import { t } from '../i18n/i18n';
import { type Campaign, campaignApi, campaignKeys, type Preview } from './campaign-api';
import { money, reasonText } from './campaign-text';

/**
 * A datetime-local value as the API's wall-clock time (no offset): the server reads it in the workspace's
 * time zone, so a start at 09:00 is 09:00 where the business is, whoever schedules it.
 */
function wallClock(local: string): string | null {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local) ? `${local}:00` : null;
}

/**
 * Before launch: the audience as it is now (who gets the message, who is left out and why), when the last
 * message will go out, and for SMS what it costs; then launch now or at a chosen time.
 */
export function LaunchPanel(props: { campaign: Campaign; unsaved: boolean }) {
  const { campaign } = props;
  const client = useQueryClient();
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [at, setAt] = useState('');
  const [confirm, setConfirm] = useState(false);
  const headingId = useId();
  const preview = useMutation({ mutationFn: () => campaignApi.preview(campaign.id) });
  const launch = useMutation({
    mutationFn: () => campaignApi.launch(campaign.id, when === 'later' ? wallClock(at) : null),
    onSuccess: (launched) => {
      client.setQueryData(campaignKeys.campaign(campaign.id), launched);
      void client.invalidateQueries({ queryKey: keys.campaigns });
    },
  });
  const scheduleInvalid = when === 'later' && wallClock(at) === null;
  return (
    <section className="launch-panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('campaigns.launch.heading')}</h2>
      {props.unsaved && (
        <p className="warning" role="status">
          {t('campaigns.launch.saveFirst')}
        </p>
      )}
      <button type="button" disabled={preview.isPending || props.unsaved} onClick={() => preview.mutate()}>
        {preview.data ? t('campaigns.launch.previewAgain') : t('campaigns.launch.preview')}
      </button>
      {preview.isPending && <p role="status">{t('campaigns.launch.counting')}</p>}
      <ErrorNote
        message={preview.error ? describeError(preview.error) : null}
        onRetry={() => preview.mutate()}
      />
      {preview.data && <PreviewFigures preview={preview.data} />}
      {preview.data && (
        <fieldset className="launch-when">
          <legend>{t('campaigns.launch.start')}</legend>
          <label className="radio">
            <input type="radio" name="launch-when" checked={when === 'now'} onChange={() => setWhen('now')} />
            {t('campaigns.launch.now')}
          </label>
          <label className="radio">
            <input
              type="radio"
              name="launch-when"
              checked={when === 'later'}
              onChange={() => setWhen('later')}
            />
            {t('campaigns.launch.later')}
          </label>
          {when === 'later' && (
            <label>
              {t('campaigns.launch.startAt')}
              <input
                type="datetime-local"
                required
                value={at}
                onChange={(event) => setAt(event.target.value)}
              />
            </label>
          )}
        </fieldset>
      )}
      {preview.data && (
        <div className="form-actions">
          <button
            type="button"
            className="primary"
            disabled={launch.isPending || props.unsaved || preview.data.eligible === 0 || scheduleInvalid}
            onClick={() => setConfirm(true)}
          >
            {when === 'later' ? t('campaigns.launch.schedule') : t('campaigns.launch.launch')}
          </button>
          {preview.data.eligible === 0 && <span className="muted">{t('campaigns.launch.nobody')}</span>}
        </div>
      )}
      <ErrorNote message={launch.error ? describeError(launch.error) : null} />
      {confirm && preview.data && (
        <ConfirmDialog
          title={when === 'later' ? t('campaigns.launch.scheduleTitle') : t('campaigns.launch.launchTitle')}
          cancel={t('campaigns.launch.notYet')}
          confirm={when === 'later' ? t('campaigns.launch.scheduleShort') : t('campaigns.launch.launchShort')}
          tone="primary"
          onClose={() => setConfirm(false)}
          onConfirm={() => {
            launch.mutate();
          }}
        >
          <p>
            {when === 'later' && wallClock(at)
              ? t('campaigns.launch.confirmLater', {
                  count: preview.data.eligible,
                  name: campaign.name,
                  start: at.replace('T', ' '),
                })
              : t('campaigns.launch.confirmNow', { count: preview.data.eligible, name: campaign.name })}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function PreviewFigures(props: { preview: Preview }) {
  const { preview } = props;
  const exclusions = Object.entries(preview.excluded).filter(([, count]) => count > 0);
  return (
    <div className="preview-figures" role="status">
      <dl className="import-counts">
        <dt>{t('campaigns.launch.inSegment')}</dt>
        <dd>{formatNumber(preview.total)}</dd>
        <dt>{t('campaigns.launch.willReceive')}</dt>
        <dd>
          <strong>{formatNumber(preview.eligible)}</strong>
        </dd>
        <dt>{t('campaigns.launch.leftOut')}</dt>
        <dd>{formatNumber(preview.total - preview.eligible)}</dd>
      </dl>
      {exclusions.length > 0 ? (
        <table className="table exclusions">
          <caption>{t('campaigns.launch.byReason')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('campaigns.launch.reason')}</th>
              <th scope="col">{t('campaigns.launch.contacts')}</th>
            </tr>
          </thead>
          <tbody>
            {exclusions.map(([reason, count]) => (
              <tr key={reason}>
                <th scope="row">{reasonText(reason)}</th>
                <td>{formatNumber(count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t('campaigns.launch.noneLeftOut')}</p>
      )}
      <p>
        {preview.eta.finishesAt
          ? t('campaigns.launch.finish', { time: fullTime(preview.eta.finishesAt) })
          : t('campaigns.launch.nothingToSend')}
        {preview.eta.days > 1 && ` ${t('campaigns.launch.spread', { days: preview.eta.days })}`}
      </p>
      {preview.cost && (
        <p>
          {t('campaigns.launch.cost', {
            cost: money(preview.cost.estimateMicros, preview.cost.currency),
            segments: preview.cost.segments,
          })}
        </p>
      )}
    </div>
  );
}
