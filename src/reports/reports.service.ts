import type { TenantTransaction } from '../platform/db/tenant-context.js';
import {
  callbackOutcomes,
  conversationVolume,
  FUNNEL_STEPS,
  funnel,
  memberActivity,
  type ReportFilter,
  responseTimes,
} from './reports.repository.js';
import { rollUpWorkspace } from './rollup.js';

/**
 * Catches the workspace's report facts up with its latest activity (at most one batch: the minute job does
 * any larger backlog), so the page shows what just happened.
 */
export async function catchUpReportFacts(
  inTenant: <T>(work: (trx: TenantTransaction) => Promise<T>) => Promise<T>,
) {
  return rollUpWorkspace(inTenant, { maxBatches: 1 });
}

/** Everything the reports page shows for one filter, read in one transaction (one snapshot). */
export async function reportSummary(trx: TenantTransaction, filter: ReportFilter) {
  const volume = await conversationVolume(trx, filter);
  const times = await responseTimes(trx, filter);
  const steps = await funnel(trx, filter);
  const members = await memberActivity(trx, filter);
  const callbacks = await callbackOutcomes(trx, filter);
  return {
    volume,
    responseTimes: times,
    funnel: FUNNEL_STEPS.map((step, index) => {
      const previous = index === 0 ? null : steps[FUNNEL_STEPS[index - 1]!];
      return {
        step,
        conversations: steps[step],
        // Share of the step before, and of all conversations started (null when there is nothing to divide).
        rateFromPrevious: previous === null ? null : previous === 0 ? null : steps[step] / previous,
        rateFromStart: steps.started === 0 ? null : steps[step] / steps.started,
      };
    }),
    members,
    callbacks,
  };
}

export type ReportSummary = Awaited<ReturnType<typeof reportSummary>>;

export const SUMMARY_CSV_COLUMNS = [
  'section',
  'key',
  'channel',
  'value',
  'rate',
  'p50_response_seconds',
] as const;
type CsvColumn = (typeof SUMMARY_CSV_COLUMNS)[number];
type CsvRow = Record<CsvColumn, unknown>;
const csvRow = (cells: Partial<CsvRow>): CsvRow => ({
  section: null,
  key: null,
  channel: null,
  value: null,
  rate: null,
  p50_response_seconds: null,
  ...cells,
});

/** The summary as CSV rows: one section per table, so a spreadsheet gets every figure of the page. */
export function* summaryCsvRows(summary: ReportSummary): Generator<CsvRow> {
  for (const day of summary.volume) {
    yield csvRow({
      section: 'conversations',
      key: day.day,
      channel: day.channelKind,
      value: day.conversations,
    });
  }
  for (const [who, wait] of Object.entries(summary.responseTimes)) {
    yield csvRow({ section: `${who}_wait_seconds`, key: 'p50', value: wait.p50Seconds });
    yield csvRow({ section: `${who}_wait_seconds`, key: 'p90', value: wait.p90Seconds });
    yield csvRow({ section: `${who}_wait_seconds`, key: 'average', value: wait.averageSeconds });
    yield csvRow({ section: `${who}_wait_seconds`, key: 'count', value: wait.count });
  }
  for (const step of summary.funnel) {
    const rate = step.rateFromStart === null ? null : step.rateFromStart.toFixed(4);
    yield csvRow({ section: 'funnel', key: step.step, value: step.conversations, rate });
  }
  for (const member of summary.members) {
    yield csvRow({
      section: 'member_conversations',
      key: member.name,
      value: member.conversations,
      p50_response_seconds: member.p50ResponseSeconds,
    });
  }
  for (const callback of summary.callbacks) {
    yield csvRow({ section: 'callbacks', key: callback.status, value: callback.count });
  }
}
