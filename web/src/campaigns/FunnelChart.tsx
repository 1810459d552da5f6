import { useEffect, useId, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatNumber } from '../common/format';
import { t } from '../i18n/i18n';
import type { FunnelStage } from './campaign-api';
import { FUNNEL_STAGES } from './campaign-api';

// Two colours that keep 3:1 contrast against the page and between each other (variant A, variant B).
const COLOURS = ['#1f6feb', '#c2410c'] as const;
const HEIGHT = 280;

/**
 * The funnel as grouped bars (a stage per group, a bar per variant), drawn by uPlot on a canvas. The canvas
 * is hidden from assistive technology: the table below it on the report carries the same figures.
 */
export function FunnelChart(props: {
  series: { name: string; funnel: Record<FunnelStage, number> }[];
  labels: string[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const captionId = useId();
  const { series, labels } = props;
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const stages = FUNNEL_STAGES.map((_, index) => index);
    const data: AlignedData = [
      stages,
      ...series.map((item) => FUNNEL_STAGES.map((stage) => item.funnel[stage])),
    ];
    const peak = Math.max(1, ...series.flatMap((item) => FUNNEL_STAGES.map((stage) => item.funnel[stage])));
    const barWidth = series.length > 1 ? 0.35 : 0.6;
    const options: Options = {
      width: Math.max(320, element.clientWidth),
      height: HEIGHT,
      cursor: { show: false },
      legend: { show: series.length > 1 },
      scales: {
        x: { time: false, range: [-0.5, FUNNEL_STAGES.length - 0.5] },
        y: { range: [0, Math.ceil(peak * 1.1)] },
      },
      axes: [
        {
          splits: () => stages,
          values: (_chart, splits) => splits.map((split) => labels[split] ?? ''),
          grid: { show: false },
        },
        {
          values: (_chart, splits) =>
            splits.map((split) => (Number.isInteger(split) ? formatNumber(split) : '')),
        },
      ],
      series: [
        {},
        ...series.map((item, index) => ({
          label: item.name,
          stroke: COLOURS[index % COLOURS.length],
          fill: COLOURS[index % COLOURS.length],
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars?.({
            size: [barWidth, 80],
            align: series.length > 1 ? (index === 0 ? -1 : 1) : 0,
          }),
        })),
      ],
    };
    const chart = new uPlot(options, data, element);
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(320, element.clientWidth), height: HEIGHT }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series, labels]);
  return (
    <figure className="funnel-chart" aria-labelledby={captionId}>
      <div ref={box} aria-hidden="true" />
      <figcaption id={captionId}>
        {series.length > 1 ? t('campaigns.report.chartCaptionVariants') : t('campaigns.report.chartCaption')}
      </figcaption>
    </figure>
  );
}
