import { useQuery } from '@tanstack/react-query';
import { describeError } from '../api/client';
import { workspacePlanQuery } from '../api/queries';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { METER_NAMES, planNotice } from './plan-text';

const STATE_NAMES = { trial: 'Trial', active: 'Active', suspended: 'Suspended' } as const;

const amount = (meter: string, value: number) =>
  meter === 'llmSpendUsd' ? value.toFixed(2) : value.toLocaleString('en');

/** Settings › Usage: the plan the instance operator set and each meter, used / limit, with its period. */
export function Usage() {
  const plan = useQuery(workspacePlanQuery);
  const data = plan.data;
  const month = data
    ? new Date(data.periodStart).toLocaleDateString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' })
    : '';
  const notice = data ? planNotice(data) : null;
  return (
    <>
      <h1>Usage</h1>
      <p className="muted">
        Your plan's limits are set by whoever runs this Leadline instance. Monthly meters start again on the
        first of each month (UTC).
      </p>
      <ErrorNote
        message={plan.error ? describeError(plan.error) : null}
        onRetry={() => void plan.refetch()}
      />
      {data && (
        <section className="card" aria-labelledby="usage-plan">
          <h2 id="usage-plan">Plan</h2>
          <p>
            State: <strong>{STATE_NAMES[data.state]}</strong>
            {data.trialEndsAt && ` — trial until ${fullTime(data.trialEndsAt)}`}
          </p>
          {notice && <p className="plan-notice">{notice}</p>}
          <table className="table usage-table">
            <caption className="visually-hidden">Usage meters</caption>
            <thead>
              <tr>
                <th scope="col">Meter</th>
                <th scope="col">Used</th>
                <th scope="col">Limit</th>
                <th scope="col">Period</th>
              </tr>
            </thead>
            <tbody>
              {data.meters.map((reading) => {
                const over = reading.limit !== null && reading.used >= reading.limit;
                return (
                  <tr key={reading.meter} className={over ? 'usage-over' : undefined}>
                    <th scope="row">{METER_NAMES[reading.meter]}</th>
                    <td>{amount(reading.meter, reading.used)}</td>
                    <td>{reading.limit === null ? 'Unlimited' : amount(reading.meter, reading.limit)}</td>
                    <td>{reading.period === 'month' ? month : 'Now'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
