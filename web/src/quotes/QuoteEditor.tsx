import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, withQuery } from '../api/client';
import { keys } from '../api/queries';
import type { CatalogItem, Quote } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { currentLocale, t } from '../i18n/i18n';
import { bpToPercent, decimalToMinor, formatMoney, minorToDecimal, percentToBp } from './money';

interface DraftLine {
  key: string;
  catalogItemId: string;
  name: string;
  unit: string;
  quantity: string;
  discount: string;
  price: string;
  /** The price the line had when the editor opened (or the catalog's): a different one is a manual price. */
  originalPrice: string;
  note: string;
}

export interface QuoteContent {
  lines: {
    catalogItemId: string;
    quantity: string;
    discountBp?: number;
    unitPriceMinor?: number;
    note?: string;
  }[];
  discountBp: number;
  notes: string;
  validUntil?: string;
}

let lineKeys = 0;
const nextKey = () => {
  lineKeys += 1;
  return `line-${lineKeys}`;
};

/**
 * Composes a quote by hand or edits one: catalog items picked by search, quantities, discounts per line
 * and on the whole quote, a manual price (which makes the quote need a person's approval), notes and the
 * validity date. The server computes every total.
 */
export function QuoteEditor(props: {
  currency: string;
  quote: Quote | null;
  submitLabel: string;
  onSubmit: (content: QuoteContent) => Promise<boolean>;
  onCancel: () => void;
}) {
  const { currency, quote } = props;
  const id = useId();
  const [lines, setLines] = useState<DraftLine[]>(() =>
    (quote?.lines ?? [])
      .filter((line) => line.catalogItemId !== null)
      .map((line) => {
        const price = minorToDecimal(line.unitPriceMinor, currency);
        return {
          key: nextKey(),
          catalogItemId: line.catalogItemId as string,
          name: line.name,
          unit: line.unit,
          quantity: line.quantity,
          discount: bpToPercent(line.discountBp),
          price,
          originalPrice: price,
          note: line.note,
        };
      }),
  );
  const [discount, setDiscount] = useState(quote ? bpToPercent(quote.version.discountBp) : '');
  const [notes, setNotes] = useState(quote?.version.notes ?? '');
  const [validUntil, setValidUntil] = useState(quote?.version.validUntil ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const add = (item: CatalogItem) => {
    const price = minorToDecimal(item.unitPriceMinor, currency);
    setLines((current) => [
      ...current,
      {
        key: nextKey(),
        catalogItemId: item.id,
        name: item.name,
        unit: item.unit,
        quantity: '1',
        discount: '',
        price,
        originalPrice: price,
        note: '',
      },
    ]);
  };
  const update = (key: string, change: Partial<DraftLine>) =>
    setLines((current) => current.map((line) => (line.key === key ? { ...line, ...change } : line)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const content: QuoteContent = { lines: [], discountBp: 0, notes: notes.trim() };
    for (const line of lines) {
      const discountBp = percentToBp(line.discount);
      if (discountBp === null) return setError(t('editor.badLineDiscount', { name: line.name }));
      const entry: QuoteContent['lines'][number] = {
        catalogItemId: line.catalogItemId,
        quantity: line.quantity.trim(),
        discountBp,
      };
      if (line.price.trim() !== line.originalPrice) {
        const unitPriceMinor = decimalToMinor(line.price, currency);
        if (unitPriceMinor === null) return setError(t('editor.badPrice', { name: line.name, currency }));
        entry.unitPriceMinor = unitPriceMinor;
      }
      if (line.note.trim()) entry.note = line.note.trim();
      content.lines.push(entry);
    }
    const discountBp = percentToBp(discount);
    if (discountBp === null) return setError(t('editor.badDiscount'));
    content.discountBp = discountBp;
    if (validUntil) content.validUntil = validUntil;
    setError(null);
    setBusy(true);
    try {
      await props.onSubmit(content);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="quote-editor"
      onSubmit={submit}
      aria-label={quote ? t('editor.editNamed', { number: quote.number }) : t('quote.new')}
    >
      <CatalogPicker currency={currency} onPick={add} />
      {lines.length === 0 ? (
        <p className="muted">{t('editor.noLines')}</p>
      ) : (
        <ol className="editor-lines">
          {lines.map((line, index) => (
            <li key={line.key} className="editor-line">
              <strong id={`${id}-${line.key}`}>
                {index + 1}. {line.name}
              </strong>
              <label>
                {line.unit ? t('editor.quantityUnit', { unit: line.unit }) : t('editor.quantity')}
                <input
                  required
                  inputMode="decimal"
                  pattern="\d{1,7}([.,]\d{1,3})?"
                  value={line.quantity}
                  onChange={(event) => update(line.key, { quantity: event.target.value })}
                />
              </label>
              <label>
                {t('editor.priceIn', { currency })}
                <input
                  required
                  inputMode="decimal"
                  value={line.price}
                  onChange={(event) => update(line.key, { price: event.target.value })}
                />
              </label>
              <label>
                {t('editor.lineDiscount')}
                <input
                  inputMode="decimal"
                  value={line.discount}
                  onChange={(event) => update(line.key, { discount: event.target.value })}
                />
              </label>
              <label className="wide">
                {t('editor.lineNote')}
                <input
                  maxLength={1000}
                  value={line.note}
                  onChange={(event) => update(line.key, { note: event.target.value })}
                />
              </label>
              <button
                type="button"
                aria-describedby={`${id}-${line.key}`}
                onClick={() => setLines((current) => current.filter((other) => other.key !== line.key))}
              >
                {t('editor.remove')}
              </button>
            </li>
          ))}
        </ol>
      )}
      <div className="form-grid">
        <label>
          {t('editor.discount')}
          <input inputMode="decimal" value={discount} onChange={(event) => setDiscount(event.target.value)} />
        </label>
        <label>
          {t('editor.validUntil')}
          <input type="date" value={validUntil} onChange={(event) => setValidUntil(event.target.value)} />
        </label>
        <label className="wide">
          {t('editor.notes')}
          <textarea
            rows={2}
            maxLength={4000}
            value={notes}
            onChange={(event) => setNotes(event.target.value)}
          />
        </label>
      </div>
      <ErrorNote message={error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {props.submitLabel}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('quote.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Searches the active catalog (accents, case and small typos ignored) and offers each match. */
function CatalogPicker(props: { currency: string; onPick: (item: CatalogItem) => void }) {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const results = useQuery({
    queryKey: [...keys.catalog, 'search', search],
    enabled: search !== '',
    queryFn: async ({ signal }) =>
      (
        await api<{ items: CatalogItem[] }>(
          'GET',
          withQuery('/catalog/search', { q: search, limit: 8 }),
          undefined,
          {
            signal,
          },
        )
      ).items,
  });
  const find = () => setSearch(q.trim());
  return (
    <div className="catalog-picker">
      <label>
        {t('editor.find')}
        <input
          type="search"
          value={q}
          maxLength={200}
          onChange={(event) => setQ(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              find();
            }
          }}
        />
      </label>
      <button type="button" onClick={find}>
        {t('editor.search')}
      </button>
      {search && results.data && (
        <ul className="picker-results" aria-label={t('editor.matches')}>
          {results.data.length === 0 && <li className="muted">{t('editor.noMatch', { search })}</li>}
          {results.data.map((item) => (
            <li key={item.id}>
              <button type="button" onClick={() => props.onPick(item)}>
                {t('editor.add', { name: item.name })}
              </button>{' '}
              <span className="muted">
                {item.sku} · {formatMoney(item.unitPriceMinor, props.currency, currentLocale())}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
