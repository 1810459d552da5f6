import { useQuery } from '@tanstack/react-query';
import { workspacePlanQuery } from '../api/queries';
import { QueryError } from '../common/feedback';
import { formatNumber, fullTime } from '../common/format';
import { currentLocale, rich, t } from '../i18n/i18n';
import { meterName, planNotice } from './plan-text';

const stateName = (state: 'trial' | 'active' | 'suspended'): string =>
  ({ trial: t('usage.state.trial'), active: t('usage.state.active'), suspended: t('usage.state.suspended') })[
    state
  ];

const amount = (meter: string, value: number) =>
  meter === 'llmSpendUsd'
    ? formatNumber(value, { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : formatNumber(value);

/** Settings › Usage: the plan the instance operator set and each meter, used / limit, with its period. */
export function Usage() {
  const plan = useQuery(workspacePlanQuery);
  const data = plan.data;
  const month = data
    ? new Date(data.periodStart).toLocaleDateString(currentLocale(), {
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      })
    : '';
  const notice = data ? planNotice(data) : null;
  return (
    <>
      <h1>{t('settings.page.usage')}</h1>
      <p className="muted">{t('usage.intro')}</p>
      <QueryError query={plan} />
      {data && (
        <section className="card" aria-labelledby="usage-plan">
          <h2 id="usage-plan">{t('usage.plan')}</h2>
          <p>
            {rich('usage.stateLine', [(state) => <strong>{state}</strong>], { state: stateName(data.state) })}
            {data.trialEndsAt && ` — ${t('usage.trialUntil', { when: fullTime(data.trialEndsAt) })}`}
          </p>
          {notice && <p className="plan-notice">{notice}</p>}
          <table className="table usage-table">
            <caption className="visually-hidden">{t('usage.meters')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('usage.meter')}</th>
                <th scope="col">{t('usage.used')}</th>
                <th scope="col">{t('usage.limit')}</th>
                <th scope="col">{t('usage.period')}</th>
              </tr>
            </thead>
            <tbody>
              {data.meters.map((reading) => {
                const over = reading.limit !== null && reading.used >= reading.limit;
                return (
                  <tr key={reading.meter} className={over ? 'usage-over' : undefined}>
                    <th scope="row">{meterName(reading.meter)}</th>
                    <td>{amount(reading.meter, reading.used)}</td>
                    <td>
                      {reading.limit === null ? t('usage.unlimited') : amount(reading.meter, reading.limit)}
                    </td>
                    <td>{reading.period === 'month' ? month : t('usage.now')}</td>
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
