import { useQuery } from '@tanstack/react-query';
import { ApiError, api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import type { Quote, QuoteDiff, QuoteStatus } from '../api/types';
import { bpToPercent, formatMoney, scaledToDecimal } from './money';

export const STATUS_LABELS: Record<QuoteStatus, string> = {
  draft: 'Draft',
  pending_approval: 'Awaiting approval',
  approved: 'Approved',
  sent: 'Sent',
  viewed: 'Viewed by the customer',
  accepted: 'Accepted',
  declined: 'Declined',
  expired: 'Expired',
  superseded: 'Superseded',
};

export function StatusBadge(props: { status: QuoteStatus }) {
  return <span className={`quote-status status-${props.status}`}>{STATUS_LABELS[props.status]}</span>;
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
    return `Someone else acted on this quote first: ${error.message}. The list now shows its current state.`;
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
        Quote {quote.number}, version {quote.version.version}
      </caption>
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col" className="n">
            Qty
          </th>
          <th scope="col" className="n">
            Price
          </th>
          <th scope="col" className="n">
            Amount
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
                <span className="muted"> (catalog {money(line.catalogPriceMinor)})</span>
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
              Discount {bpToPercent(quote.version.discountBp)} %
            </th>
            <td className="n">−{money(quote.totals.discountMinor)}</td>
          </tr>
        )}
        {quote.totals.taxes.map((tax) => (
          <tr key={tax.rateBp}>
            <th scope="row" colSpan={3}>
              Tax {bpToPercent(tax.rateBp)} %
            </th>
            <td className="n">{money(tax.taxMinor)}</td>
          </tr>
        ))}
        <tr className="quote-total">
          <th scope="row" colSpan={3}>
            Total
          </th>
          <td className="n">{money(quote.totals.totalMinor)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

const FIELD_NAMES: Record<string, string> = {
  validUntil: 'valid until',
  notes: 'notes',
  discountBp: 'discount',
  subtotalMinor: 'subtotal',
  discountMinor: 'discount amount',
  taxMinor: 'tax',
  totalMinor: 'total',
  quantityMilli: 'quantity',
  unitPriceMinor: 'price',
  taxRateBp: 'tax rate',
  note: 'note',
};

/** A diff value in the reader's terms: money, percentages and quantities rather than stored integers. */
function shown(field: string, value: string | number, currency: string): string {
  const number = Number(value);
  if (field.endsWith('Minor') && Number.isSafeInteger(number)) return formatMoney(number, currency);
  if (field.endsWith('Bp') && Number.isSafeInteger(number)) return `${bpToPercent(number)} %`;
  if (field === 'quantityMilli' && Number.isSafeInteger(number)) {
    return scaledToDecimal(number, 3).replace(/\.?0+$/, '');
  }
  return String(value) || '(empty)';
}

/** What changed from the previous version, in words. */
export function DiffView(props: { diff: QuoteDiff | null; currency: string }) {
  const { diff, currency } = props;
  if (!diff) return <p className="muted">First version: nothing to compare with.</p>;
  const name = (field: string) => FIELD_NAMES[field] ?? field;
  const change = (f: { field: string; from: string | number; to: string | number }) => (
    <>
      {name(f.field)} <del>{shown(f.field, f.from, currency)}</del> →{' '}
      <ins>{shown(f.field, f.to, currency)}</ins>
    </>
  );
  return (
    <div className="quote-diff">
      <p>
        Changes from version {diff.fromVersion} to {diff.toVersion}:
      </p>
      <ul>
        {diff.fields.map((f) => (
          <li key={f.field}>{change(f)}</li>
        ))}
        {diff.lines.map((line) => (
          <li key={`${line.sku}-${line.change}`}>
            {line.change === 'added' ? 'Added' : line.change === 'removed' ? 'Removed' : 'Changed'}{' '}
            {line.name}
            {line.fields.map((f) => (
              <span key={f.field}>; {change(f)}</span>
            ))}
          </li>
        ))}
        {diff.fields.length === 0 && diff.lines.length === 0 && <li>No change in content.</li>}
      </ul>
    </div>
  );
}
