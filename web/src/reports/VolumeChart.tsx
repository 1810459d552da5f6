import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { t } from '../i18n/i18n';
import type { VolumeRow } from './Reports';

const DAY = 86_400;

/** A day's bar stands at its noon (seconds, as uPlot's time scale counts). */
const noonOf = (day: string) => Date.parse(`${day}T12:00:00Z`) / 1000;

/**
 * Conversations started per day: a bar chart (uPlot, ~50 KB, only in this lazy chunk) where a click on a
 * bar lists that day's conversations, and the same figures as a table of buttons for keyboards and
 * screen readers.
 */
export function VolumeChart(props: {
  rows: VolumeRow[];
  /** The range's first and last days: the time axis spans them, however few days have conversations. */
  firstDay: string;
  lastDay: string;
  channelLabels: Record<string, string>;
  onPickDay: (day: string) => void;
}) {
  const days = [...new Set(props.rows.map((row) => row.day))].sort();
  const channels = [...new Set(props.rows.map((row) => row.channelKind))].sort();
  const count = (day: string, channel?: string) =>
    props.rows
      .filter((row) => row.day === day && (channel === undefined || row.channelKind === channel))
      .reduce((sum, row) => sum + row.conversations, 0);
  const totals = days.map((day) => count(day));
  const box = useRef<HTMLDivElement>(null);
  const pick = useRef(props.onPickDay);
  pick.current = props.onPickDay;
  const key = JSON.stringify(props.rows);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the rows
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const x = days.map(noonOf);
    const chart = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: {
            time: true,
            range: () => [noonOf(props.firstDay) - DAY, noonOf(props.lastDay) + DAY],
          },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [{}, { size: 48 }],
        series: [
          {},
          {
            label: t('reports.conversations'),
            fill: 'rgba(37, 99, 235, 0.55)',
            stroke: 'rgb(37, 99, 235)',
            paths: uPlot.paths.bars?.({ size: [0.7, 48] }),
            points: { show: false },
          },
        ],
      },
      [x, totals],
      element,
    );
    const onClick = () => {
      const index = chart.cursor.idx;
      const day = index === null || index === undefined ? undefined : days[index];
      if (day) pick.current(day);
    };
    chart.over.addEventListener('click', onClick);
    return () => {
      chart.over.removeEventListener('click', onClick);
      chart.destroy();
    };
  }, [key, props.firstDay, props.lastDay]);

  return (
    <div className="volume-chart">
      <div ref={box} className="volume-plot" aria-hidden="true" />
      <table className="report-table">
        <caption className="muted">{t('reports.pickDay')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('reports.day')}</th>
            {channels.map((channel) => (
              <th scope="col" key={channel}>
                {props.channelLabels[channel] ?? channel}
              </th>
            ))}
            <th scope="col">{t('reports.total')}</th>
          </tr>
        </thead>
        <tbody>
          {days.map((day, index) => (
            <tr key={day}>
              <th scope="row">
                <button type="button" className="link-button" onClick={() => props.onPickDay(day)}>
                  {day}
                </button>
              </th>
              {channels.map((channel) => (
                <td key={channel}>{count(day, channel)}</td>
              ))}
              <td>{totals[index]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
