import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { formatNumber, fullTime } from '../common/format';
import { useView } from '../common/view';
import { t } from '../i18n/i18n';
import { VolumeChart } from './VolumeChart';
import './reports.css';

type Step = 'started' | 'qualified' | 'quoted' | 'accepted';
interface Wait {
  count: number;
  p50Seconds: number | null;
  p90Seconds: number | null;
  averageSeconds: number | null;
}
export interface VolumeRow {
  day: string;
  channelKind: string;
  conversations: number;
}
interface Summary {
  volume: VolumeRow[];
  responseTimes: { bot: Wait; human: Wait; qualification: Wait };
  funnel: {
    step: Step;
    conversations: number;
    rateFromPrevious: number | null;
    rateFromStart: number | null;
  }[];
  members: {
    userId: string;
    name: string;
    conversations: number;
    messages: number;
    replies: number;
    p50ResponseSeconds: number | null;
    averageResponseSeconds: number | null;
  }[];
  callbacks: { status: string; count: number }[];
}
interface DrillRow {
  conversationId: string;
  startedAt: string;
  channelKind: string;
  contactName: string | null;
  phoneE164: string;
}
interface Drill {
  label: string;
  day?: string;
  step?: Step;
  memberId?: string;
}

const stepLabel = (step: Step): string =>
  ({
    started: t('reports.step.started'),
    qualified: t('reports.step.qualified'),
    quoted: t('reports.step.quoted'),
    accepted: t('reports.step.accepted'),
  })[step];
const channelLabels = (): Record<string, string> => ({
  whatsapp: t('common.channel.whatsapp'),
  sms: t('common.channel.sms'),
});

function isoDay(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

/** A local calendar day's start as an instant (the range's end is the day after the last day shown). */
function dayStartIso(day: string, plusDays = 0): string {
  const [year = 1970, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(year, month - 1, date + plusDays).toISOString();
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return t('reports.duration.seconds', { seconds });
  if (seconds < 3600)
    return seconds % 60
      ? t('reports.duration.minutesSeconds', { minutes: Math.floor(seconds / 60), seconds: seconds % 60 })
      : t('reports.duration.minutes', { minutes: Math.floor(seconds / 60) });
  if (seconds < 86_400)
    return t('reports.duration.hoursMinutes', {
      hours: Math.floor(seconds / 3600),
      minutes: Math.round((seconds % 3600) / 60),
    });
  return t('reports.duration.days', {
    days: formatNumber(seconds / 86_400, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  });
}

const percent = (value: number | null) =>
  value === null ? '—' : formatNumber(value, { style: 'percent', maximumFractionDigits: 1 });

/** Reports: conversations, response times, the funnel, members and call-backs, with drill-down and CSV. */
export function Reports() {
  const heading = useView(t('reports.title'));
  const CHANNEL_LABELS = channelLabels();
  const today = isoDay(new Date());
  const [from, setFrom] = useState(isoDay(new Date(Date.now() - 29 * 86_400_000)));
  const [to, setTo] = useState(today);
  const [channel, setChannel] = useState('');
  const [businessHours, setBusinessHours] = useState(false);
  const [drill, setDrill] = useState<Drill | null>(null);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const filters = {
    from: dayStartIso(from),
    to: dayStartIso(to, 1),
    channel: channel || undefined,
    timeZone,
    businessHours: businessHours ? 'true' : undefined,
  };
  const summary = useQuery({
    queryKey: ['reports', 'summary', filters],
    queryFn: ({ signal }) =>
      api<Summary>('GET', withQuery('/reports/summary', filters), undefined, { signal }),
  });
  const ids = { from: useId(), to: useId(), channel: useId() };
  const data = summary.data;
  const waits = data?.responseTimes;
  return (
    <section className="settings-page card reports">
      <h1 tabIndex={-1} ref={heading}>
        {t('reports.title')}
      </h1>
      <form className="report-filters" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor={ids.from}>{t('reports.from')}</label>
        <input id={ids.from} type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        <label htmlFor={ids.to}>{t('reports.to')}</label>
        <input id={ids.to} type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        <label htmlFor={ids.channel}>{t('reports.channel')}</label>
        <select id={ids.channel} value={channel} onChange={(e) => setChannel(e.target.value)}>
          <option value="">{t('reports.allChannels')}</option>
          <option value="whatsapp">{t('common.channel.whatsapp')}</option>
          <option value="sms">{t('common.channel.sms')}</option>
        </select>
        <label className="inline">
          <input
            type="checkbox"
            checked={businessHours}
            onChange={(e) => setBusinessHours(e.target.checked)}
          />{' '}
          {t('reports.businessHours')}
        </label>
        <a href={withQuery('/api/v1/reports/export', filters)} download>
          {t('reports.exportCsv')}
        </a>
      </form>
      <ErrorNote message={summary.error ? describeError(summary.error) : null} />
      {summary.isPending && <p className="muted">{t('common.loading')}</p>}
      {data && (
        <>
          <section aria-labelledby="report-volume">
            <h2 id="report-volume">{t('reports.step.started')}</h2>
            {data.volume.length === 0 ? (
              <p className="muted">{t('reports.noVolume')}</p>
            ) : (
              <VolumeChart
                rows={data.volume}
                firstDay={from}
                lastDay={to}
                channelLabels={CHANNEL_LABELS}
                onPickDay={(day) => setDrill({ label: t('reports.drill.day', { day }), day })}
              />
            )}
          </section>
          <section aria-labelledby="report-times">
            <h2 id="report-times">
              {businessHours ? t('reports.responseTimesBusinessHours') : t('reports.responseTimes')}
            </h2>
            <table className="report-table">
              <thead>
                <tr>
                  <th scope="col">{t('reports.wait')}</th>
                  <th scope="col">{t('reports.median')}</th>
                  <th scope="col">{t('reports.p90')}</th>
                  <th scope="col">{t('reports.average')}</th>
                  <th scope="col">{t('reports.conversations')}</th>
                </tr>
              </thead>
              <tbody>
                {waits &&
                  (
                    [
                      [t('reports.wait.bot'), waits.bot],
                      [t('reports.wait.human'), waits.human],
                      [t('reports.wait.qualification'), waits.qualification],
                    ] as const
                  ).map(([label, wait]) => (
                    <tr key={label}>
                      <th scope="row">{label}</th>
                      <td>{duration(wait.p50Seconds)}</td>
                      <td>{duration(wait.p90Seconds)}</td>
                      <td>{duration(wait.averageSeconds)}</td>
                      <td>{wait.count}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="report-funnel">
            <h2 id="report-funnel">{t('reports.funnel')}</h2>
            <ol className="funnel">
              {data.funnel.map((step) => {
                const width = data.funnel[0]?.conversations
                  ? (step.conversations / data.funnel[0].conversations) * 100
                  : 0;
                return (
                  <li key={step.step}>
                    <button
                      type="button"
                      className="funnel-step"
                      onClick={() => setDrill({ label: stepLabel(step.step), step: step.step })}
                    >
                      <span className="funnel-label">{stepLabel(step.step)}</span>
                      <span className="funnel-bar" style={{ width: `${Math.max(width, 0.5)}%` }} />
                      <span className="funnel-figure">
                        {step.conversations}
                        {step.rateFromPrevious !== null &&
                          ` · ${t('reports.fromPrevious', { percent: percent(step.rateFromPrevious) })}`}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ol>
          </section>
          <section aria-labelledby="report-members">
            <h2 id="report-members">{t('reports.members')}</h2>
            {data.members.length === 0 ? (
              <p className="muted">{t('reports.noMembers')}</p>
            ) : (
              <table className="report-table">
                <thead>
                  <tr>
                    <th scope="col">{t('reports.member')}</th>
                    <th scope="col">{t('reports.conversations')}</th>
                    <th scope="col">{t('reports.messages')}</th>
                    <th scope="col">{t('reports.medianResponse')}</th>
                    <th scope="col">{t('reports.averageResponse')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.members.map((member) => (
                    <tr key={member.userId}>
                      <th scope="row">
                        <button
                          type="button"
                          className="link-button"
                          onClick={() =>
                            setDrill({
                              label: t('reports.drill.member', { name: member.name }),
                              memberId: member.userId,
                            })
                          }
                        >
                          {member.name}
                        </button>
                      </th>
                      <td>{member.conversations}</td>
                      <td>{member.messages}</td>
                      <td>{duration(member.p50ResponseSeconds)}</td>
                      <td>{duration(member.averageResponseSeconds)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {data.callbacks.length > 0 && (
            <section aria-labelledby="report-callbacks">
              <h2 id="report-callbacks">{t('reports.callbacks')}</h2>
              <table className="report-table">
                <tbody>
                  {data.callbacks.map((row) => (
                    <tr key={row.status}>
                      <th scope="row">{row.status.replaceAll('_', ' ')}</th>
                      <td>{row.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {drill && <DrillDown drill={drill} filters={filters} onClose={() => setDrill(null)} />}
        </>
      )}
    </section>
  );
}

function DrillDown(props: {
  drill: Drill;
  filters: Record<string, string | undefined>;
  onClose: () => void;
}) {
  const { drill } = props;
  const query = { ...props.filters, day: drill.day, step: drill.step, memberId: drill.memberId, limit: 50 };
  const list = useInfiniteQuery({
    queryKey: ['reports', 'conversations', query],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<{ items: DrillRow[]; nextCursor: string | null }>(
        'GET',
        withQuery('/reports/conversations', { ...query, cursor: pageParam }),
        undefined,
        { signal },
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];
  // Focus moves to the list each time another figure is picked, as on a view change.
  const heading = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the label names the figure picked
  useEffect(() => heading.current?.focus(), [drill.label]);
  return (
    <section className="drill-down card" aria-labelledby="report-drill">
      <h2 id="report-drill" tabIndex={-1} ref={heading}>
        {drill.label}
      </h2>
      <button type="button" onClick={props.onClose}>
        {t('reports.closeList')}
      </button>
      <ErrorNote message={list.error ? describeError(list.error) : null} />
      <ul>
        {rows.map((row) => (
          <li key={row.conversationId}>
            <Link to={`/inbox/${row.conversationId}`}>{row.contactName ?? row.phoneE164}</Link>{' '}
            <span className="muted">
              {channelLabels()[row.channelKind] ?? row.channelKind} ·{' '}
              {t('reports.startedAt', { time: fullTime(row.startedAt) })}
            </span>
          </li>
        ))}
      </ul>
      {list.data && rows.length === 0 && <p className="muted">{t('reports.noConversation')}</p>}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()}>
          {t('reports.showMore')}
        </button>
      )}
    </section>
  );
}
