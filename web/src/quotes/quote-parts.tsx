import { useQuery } from '@tanstack/react-query';
import { ApiError, api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import type { Quote, QuoteDiff, QuoteStatus } from '../api/types';
import { currentLocale, t } from '../i18n/i18n';
import { bpToPercent, formatMoney, scaledToDecimal } from './money';

export const statusLabel = (status: QuoteStatus): string =>
  ({
    draft: t('quote.status.draft'),
    pending_approval: t('quote.status.pendingApproval'),
    approved: t('quote.status.approved'),
    sent: t('quote.status.sent'),
    viewed: t('quote.status.viewed'),
    accepted: t('quote.status.accepted'),
    declined: t('quote.status.declined'),
    expired: t('quote.status.expired'),
    superseded: t('quote.status.superseded'),
  })[status];

export function StatusBadge(props: { status: QuoteStatus }) {
  return <span className={`quote-status status-${props.status}`}>{statusLabel(props.status)}</span>;
}

export function useQuote(id: string | null) {
  return useQuery({
    queryKey: keys.quote(id ?? ''),
    enabled: id !== null,
    queryFn: ({ signal }) => api<Quote>('GET', `/quotes/${id}`, undefined, { signal }),
  });
}

export const pdfUrl = (quote: Pick<Quote, 'id'>, version: number) =>
  withQuery(`/api/v1/quotes/${quote.id}/pdf`, { version });

/** A 409 is someone else's action (another approver, a customer) that came first: say so plainly. */
export function describeQuoteError(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) {
    return t('quote.conflict', { reason: error.message });
  }
  return describeError(error);
}

/** A version's lines and totals, as the customer will see them. */
export function QuoteLines(props: { quote: Quote }) {
  const { quote } = props;
  const currency = quote.version.currency;
  const money = (minor: number) => formatMoney(minor, currency, quote.version.locale);
  return (
    <table className="quote-lines">
      <caption className="visually-hidden">
        {t('quote.caption', { number: quote.number, version: quote.version.version })}
      </caption>
      <thead>
        <tr>
          <th scope="col">{t('quote.item')}</th>
          <th scope="col" className="n">
            {t('quote.qty')}
          </th>
          <th scope="col" className="n">
            {t('quote.price')}
          </th>
          <th scope="col" className="n">
            {t('quote.amount')}
          </th>
        </tr>
      </thead>
      <tbody>
        {quote.lines.map((line) => (
          <tr key={line.position}>
            <td>
              {line.name}
              {line.discountBp > 0 && <span className="muted"> (−{bpToPercent(line.discountBp)} %)</span>}
              {line.catalogPriceMinor !== null && line.catalogPriceMinor !== line.unitPriceMinor && (
                <span className="muted">
                  {' '}
                  ({t('quote.catalogPrice', { price: money(line.catalogPriceMinor) })})
                </span>
              )}
              {line.note && <span className="quote-note">{line.note}</span>}
            </td>
            <td className="n">
              {line.quantity} {line.unit}
            </td>
            <td className="n">{money(line.unitPriceMinor)}</td>
            <td className="n">{money(line.amountMinor)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        {quote.totals.discountMinor > 0 && (
          <tr>
            <th scope="row" colSpan={3}>
              {t('quote.discount', { percent: bpToPercent(quote.version.discountBp) })}
            </th>
            <td className="n">−{money(quote.totals.discountMinor)}</td>
          </tr>
        )}
        {quote.totals.taxes.map((tax) => (
          <tr key={tax.rateBp}>
            <th scope="row" colSpan={3}>
              {t('quote.tax', { percent: bpToPercent(tax.rateBp) })}
            </th>
            <td className="n">{money(tax.taxMinor)}</td>
          </tr>
        ))}
        <tr className="quote-total">
          <th scope="row" colSpan={3}>
            {t('quote.total')}
          </th>
          <td className="n">{money(quote.totals.totalMinor)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

const fieldName = (field: string): string =>
  (
    ({
      validUntil: t('quote.field.validUntil'),
      notes: t('quote.field.notes'),
      discountBp: t('quote.field.discountBp'),
      subtotalMinor: t('quote.field.subtotalMinor'),
      discountMinor: t('quote.field.discountMinor'),
      taxMinor: t('quote.field.taxMinor'),
      totalMinor: t('quote.field.totalMinor'),
      quantityMilli: t('quote.field.quantityMilli'),
      unitPriceMinor: t('quote.field.unitPriceMinor'),
      taxRateBp: t('quote.field.taxRateBp'),
      note: t('quote.field.note'),
    }) as Record<string, string>
  )[field] ?? field;

/** A diff value in the reader's terms: money, percentages and quantities rather than stored integers. */
function shown(field: string, value: string | number, currency: string): string {
  const number = Number(value);
  if (field.endsWith('Minor') && Number.isSafeInteger(number))
    return formatMoney(number, currency, currentLocale());
  if (field.endsWith('Bp') && Number.isSafeInteger(number)) return `${bpToPercent(number)} %`;
  if (field === 'quantityMilli' && Number.isSafeInteger(number)) {
    return scaledToDecimal(number, 3).replace(/\.?0+$/, '');
  }
  return String(value) || t('quote.empty');
}

/** What changed from the previous version, in words. */
export function DiffView(props: { diff: QuoteDiff | null; currency: string }) {
  const { diff, currency } = props;
  if (!diff) return <p className="muted">{t('quote.firstVersion')}</p>;
  const name = fieldName;
  const change = (f: { field: string; from: string | number; to: string | number }) => (
    <>
      {name(f.field)} <del>{shown(f.field, f.from, currency)}</del> →{' '}
      <ins>{shown(f.field, f.to, currency)}</ins>
    </>
  );
  return (
    <div className="quote-diff">
      <p>{t('quote.changes', { from: diff.fromVersion, to: diff.toVersion })}</p>
      <ul>
        {diff.fields.map((f) => (
          <li key={f.field}>{change(f)}</li>
        ))}
        {diff.lines.map((line) => (
          <li key={`${line.sku}-${line.change}`}>
            {line.change === 'added'
              ? t('quote.lineAdded')
              : line.change === 'removed'
                ? t('quote.lineRemoved')
                : t('quote.lineChanged')}{' '}
            {line.name}
            {line.fields.map((f) => (
              <span key={f.field}>; {change(f)}</span>
            ))}
          </li>
        ))}
        {diff.fields.length === 0 && diff.lines.length === 0 && <li>{t('quote.noChange')}</li>}
      </ul>
    </div>
  );
}
