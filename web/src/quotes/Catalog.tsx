import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, useState } from 'react';
import { api, describeError, withQuery } from '../api/client';
import { keys, quoteSettingsQuery } from '../api/queries';
import type { CatalogItem, Page } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { useLazyPageHeading } from './lazy-page';
import { bpToPercent, decimalToMinor, formatMoney, minorToDecimal, percentToBp } from './money';
import './quotes.css';
import { currentLocale, rich, t } from '../i18n/i18n';

type ItemInput = {
  sku: string;
  name: string;
  description: string;
  unit: string;
  price: string;
  tax: string;
  category: string;
  active: boolean;
};

const blank: ItemInput = {
  sku: '',
  name: '',
  description: '',
  unit: '',
  price: '',
  tax: '',
  category: '',
  active: true,
};

/** The workspace's catalog: search, add, edit, deactivate, and import from CSV. */
export function Catalog() {
  const heading = useLazyPageHeading();
  const client = useQueryClient();
  const settings = useQuery(quoteSettingsQuery);
  const currency = settings.data?.currency ?? 'EUR';
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = useInfiniteQuery({
    queryKey: [...keys.catalog, 'list', search],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }): Promise<Page<CatalogItem>> =>
      search
        ? {
            ...(await api<{ items: CatalogItem[] }>(
              'GET',
              withQuery('/catalog/search', { q: search, limit: 50 }),
              undefined,
              { signal },
            )),
            nextCursor: null,
          }
        : api<Page<CatalogItem>>(
            'GET',
            withQuery('/catalog/items', { limit: 50, cursor: pageParam }),
            undefined,
            {
              signal,
            },
          ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = list.data?.pages.flatMap((page) => page.items) ?? null;
  const change = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setError(null);
      await client.invalidateQueries({ queryKey: keys.catalog });
      return true;
    } catch (caught) {
      setError(caught instanceof FormError ? caught.message : describeError(caught));
      return false;
    }
  };
  const toBody = (input: ItemInput) => {
    const unitPriceMinor = decimalToMinor(input.price, currency);
    const taxRateBp = percentToBp(input.tax);
    if (unitPriceMinor === null)
      throw new FormError(t('catalog.badPrice', { currency, example: minorToDecimal(1250, currency) }));
    if (taxRateBp === null) throw new FormError(t('catalog.badTax'));
    return {
      sku: input.sku.trim(),
      name: input.name.trim(),
      description: input.description.trim() || undefined,
      unit: input.unit.trim() || undefined,
      unitPriceMinor,
      taxRateBp,
      category: input.category.trim() || null,
      active: input.active,
    };
  };
  const save = (work: (input: ItemInput) => Promise<unknown>) => (input: ItemInput) =>
    change(() => work(input));

  return (
    <>
      <h1 tabIndex={-1} ref={heading}>
        {t('catalog.title')}
      </h1>
      <p className="muted">{t('catalog.intro', { currency })}</p>
      <ErrorNote message={error ?? (list.error ? describeError(list.error) : null)} />
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(q.trim());
        }}
      >
        <label>
          {t('catalog.search')}
          <input type="search" value={q} onChange={(event) => setQ(event.target.value)} maxLength={200} />
        </label>
        <button type="submit">{t('editor.search')}</button>
        {search && (
          <button
            type="button"
            onClick={() => {
              setQ('');
              setSearch('');
            }}
          >
            {t('catalog.showAll')}
          </button>
        )}
      </form>
      {items && items.length === 0 && (
        <Empty title={search ? t('catalog.noMatch', { search }) : t('catalog.empty')}>
          {search ? t('catalog.noMatchHint') : t('catalog.emptyHint')}
        </Empty>
      )}
      <ul className="rows" aria-label={t('catalog.items')}>
        {(items ?? []).map((item) =>
          editing === item.id ? (
            <li key={item.id} className="row">
              <ItemForm
                initial={{
                  sku: item.sku,
                  name: item.name,
                  description: item.description,
                  unit: item.unit,
                  price: minorToDecimal(item.unitPriceMinor, currency),
                  tax: bpToPercent(item.taxRateBp),
                  category: item.category ?? '',
                  active: item.active,
                }}
                currency={currency}
                submitLabel={t('catalog.saveItem')}
                onCancel={() => setEditing(null)}
                onSubmit={async (input) => {
                  const saved = await save((value) =>
                    api('PATCH', `/catalog/items/${item.id}`, toBody(value)),
                  )(input);
                  if (saved) setEditing(null);
                  return saved;
                }}
              />
            </li>
          ) : (
            <li key={item.id} className={`row catalog-row ${item.active ? '' : 'inactive'}`}>
              <span className="mono">{item.sku}</span>
              <strong className="catalog-name">{item.name}</strong>
              <span>
                {formatMoney(item.unitPriceMinor, currency, currentLocale())}
                {item.unit && ` / ${item.unit}`}
              </span>
              <span className="muted">{t('catalog.taxRate', { percent: bpToPercent(item.taxRateBp) })}</span>
              {!item.active && <span className="muted">{t('catalog.inactive')}</span>}
              <button type="button" onClick={() => setEditing(item.id)}>
                {t('quote.edit')}
                <span className="visually-hidden"> {item.name}</span>
              </button>
              <button
                type="button"
                onClick={() =>
                  void change(() => api('PATCH', `/catalog/items/${item.id}`, { active: !item.active }))
                }
              >
                {item.active ? t('catalog.deactivate') : t('catalog.activate')}
                <span className="visually-hidden"> {item.name}</span>
              </button>
            </li>
          ),
        )}
      </ul>
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {t('catalog.loadMore')}
        </button>
      )}
      <section className="card settings-form" aria-labelledby="new-item">
        <h2 id="new-item">{t('catalog.newItem')}</h2>
        <ItemForm
          initial={blank}
          currency={currency}
          submitLabel={t('catalog.addItem')}
          resetOnSubmit
          onSubmit={save((input) => api('POST', '/catalog/items', toBody(input)))}
        />
      </section>
      <CsvImport onImported={() => client.invalidateQueries({ queryKey: keys.catalog })} />
    </>
  );
}

/** A mistake in the form itself, said in the form's words. */
class FormError extends Error {}

function ItemForm(props: {
  initial: ItemInput;
  currency: string;
  submitLabel: string;
  resetOnSubmit?: boolean;
  onSubmit: (input: ItemInput) => Promise<boolean>;
  onCancel?: () => void;
}) {
  const [input, setInput] = useState(props.initial);
  const field = (key: keyof ItemInput) => ({
    value: String(input[key]),
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      setInput({ ...input, [key]: event.target.value }),
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if ((await props.onSubmit(input)) && props.resetOnSubmit) setInput(props.initial);
  };
  return (
    <form className="form-grid catalog-form" onSubmit={submit}>
      <label>
        {t('catalog.sku')}
        <input required maxLength={64} pattern="[A-Za-z0-9._\-\/]{1,64}" {...field('sku')} />
      </label>
      <label>
        {t('catalog.name')}
        <input required maxLength={200} {...field('name')} />
      </label>
      <label>
        {t('editor.priceIn', { currency: props.currency })}
        <input
          required
          inputMode="decimal"
          pattern="\d{1,13}([.,]\d{0,3})?"
          title={t('catalog.priceExample', { example: minorToDecimal(1250, props.currency) })}
          {...field('price')}
        />
      </label>
      <label>
        {t('catalog.unit')}
        <input maxLength={32} placeholder={t('catalog.unitExample')} {...field('unit')} />
      </label>
      <label>
        {t('catalog.tax')}
        <input inputMode="decimal" pattern="\d{1,3}([.,]\d{0,2})?" {...field('tax')} />
      </label>
      <label>
        {t('catalog.category')}
        <input maxLength={100} {...field('category')} />
      </label>
      <label className="wide">
        {t('catalog.description')}
        <textarea rows={2} maxLength={4000} {...field('description')} />
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={input.active}
          onChange={(event) => setInput({ ...input, active: event.target.checked })}
        />
        {t('catalog.active')}
      </label>
      <div className="form-actions">
        <button type="submit" className="primary">
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            {t('quote.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

function CsvImport(props: { onImported: () => Promise<unknown> }) {
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pick = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) setCsv(await file.text());
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult(null);
    try {
      const answer = await api<{ inserted: number; updated: number }>('POST', '/catalog/import', { csv });
      setError(null);
      setResult(t('catalog.imported', { count: answer.inserted, updated: answer.updated }));
      setCsv('');
      await props.onImported();
    } catch (caught) {
      setError(t('catalog.importFailed', { reason: describeError(caught) }));
    }
  };
  return (
    <section className="card settings-form" aria-labelledby="csv-import">
      <h2 id="csv-import">{t('catalog.csvTitle')}</h2>
      <p className="muted">
        {rich('catalog.csvHint', [(columns) => <code>{columns}</code>, (columns) => <code>{columns}</code>])}
      </p>
      <form className="settings-form" onSubmit={submit}>
        <label>
          {t('catalog.csvFile')}
          <input type="file" accept=".csv,text/csv" onChange={(event) => void pick(event)} />
        </label>
        <label>
          {t('catalog.csvText')}
          <textarea rows={5} value={csv} onChange={(event) => setCsv(event.target.value)} />
        </label>
        <ErrorNote message={error} />
        {result && (
          <p className="saved" role="status">
            {result}
          </p>
        )}
        <button type="submit" className="primary" disabled={csv.trim() === ''}>
          {t('catalog.import')}
        </button>
      </form>
    </section>
  );
}
