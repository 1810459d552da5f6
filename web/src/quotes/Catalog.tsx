import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, useState } from 'react';
import { api, describeError, withQuery } from '../api/client';
import { keys, quoteSettingsQuery } from '../api/queries';
import type { CatalogItem, Page } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { useLazyPageHeading } from './lazy-page';
import { bpToPercent, decimalToMinor, formatMoney, minorToDecimal, percentToBp } from './money';

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
      throw new FormError(`Write the price as an amount in ${currency}, e.g. 12.50`);
    if (taxRateBp === null) throw new FormError('Write the tax rate as a percentage, e.g. 22');
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
        Catalog
      </h1>
      <p className="muted">
        What quotes are drafted from. Prices are in {currency} (change the currency in Quotes settings);
        quotes keep the price they were drafted with.
      </p>
      <ErrorNote message={error ?? (list.error ? describeError(list.error) : null)} />
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(q.trim());
        }}
      >
        <label>
          Search the catalog
          <input type="search" value={q} onChange={(event) => setQ(event.target.value)} maxLength={200} />
        </label>
        <button type="submit">Search</button>
        {search && (
          <button
            type="button"
            onClick={() => {
              setQ('');
              setSearch('');
            }}
          >
            Show all
          </button>
        )}
      </form>
      {items && items.length === 0 && (
        <Empty title={search ? `Nothing in the catalog matches “${search}”` : 'The catalog is empty'}>
          {search
            ? 'Search ignores accents and small typos; inactive items are not searched.'
            : 'Add your first item below, or import a CSV of your price list.'}
        </Empty>
      )}
      <ul className="rows" aria-label="Catalog items">
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
                submitLabel="Save item"
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
                {formatMoney(item.unitPriceMinor, currency)}
                {item.unit && ` / ${item.unit}`}
              </span>
              <span className="muted">tax {bpToPercent(item.taxRateBp)} %</span>
              {!item.active && <span className="muted">inactive</span>}
              <button type="button" onClick={() => setEditing(item.id)}>
                Edit<span className="visually-hidden"> {item.name}</span>
              </button>
              <button
                type="button"
                onClick={() =>
                  void change(() => api('PATCH', `/catalog/items/${item.id}`, { active: !item.active }))
                }
              >
                {item.active ? 'Deactivate' : 'Activate'}
                <span className="visually-hidden"> {item.name}</span>
              </button>
            </li>
          ),
        )}
      </ul>
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          Load more items
        </button>
      )}
      <section className="card settings-form" aria-labelledby="new-item">
        <h2 id="new-item">New item</h2>
        <ItemForm
          initial={blank}
          currency={currency}
          submitLabel="Add item"
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
        SKU
        <input required maxLength={64} pattern="[A-Za-z0-9._\-\/]{1,64}" {...field('sku')} />
      </label>
      <label>
        Name
        <input required maxLength={200} {...field('name')} />
      </label>
      <label>
        Price ({props.currency})
        <input
          required
          inputMode="decimal"
          pattern="\d{1,13}([.,]\d{0,3})?"
          title="e.g. 12.50"
          {...field('price')}
        />
      </label>
      <label>
        Unit
        <input maxLength={32} placeholder="e.g. piece, m², hour" {...field('unit')} />
      </label>
      <label>
        Tax rate (%)
        <input inputMode="decimal" pattern="\d{1,3}([.,]\d{0,2})?" {...field('tax')} />
      </label>
      <label>
        Category
        <input maxLength={100} {...field('category')} />
      </label>
      <label className="wide">
        Description
        <textarea rows={2} maxLength={4000} {...field('description')} />
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={input.active}
          onChange={(event) => setInput({ ...input, active: event.target.checked })}
        />
        Active (offered in new quotes)
      </label>
      <div className="form-actions">
        <button type="submit" className="primary">
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
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
      setResult(
        `Imported: ${answer.inserted} new item${answer.inserted === 1 ? '' : 's'}, ${answer.updated} updated.`,
      );
      setCsv('');
      await props.onImported();
    } catch (caught) {
      setError(`Nothing was imported. ${describeError(caught)}`);
    }
  };
  return (
    <section className="card settings-form" aria-labelledby="csv-import">
      <h2 id="csv-import">Import from CSV</h2>
      <p className="muted">
        A header row <code>sku,name,unit_price</code> and optionally{' '}
        <code>description,unit,tax_rate,active,category,options</code>. Prices are decimal amounts (12.50);
        rows whose SKU exists update that item. All rows are imported, or none.
      </p>
      <form className="settings-form" onSubmit={submit}>
        <label>
          CSV file
          <input type="file" accept=".csv,text/csv" onChange={(event) => void pick(event)} />
        </label>
        <label>
          CSV text
          <textarea rows={5} value={csv} onChange={(event) => setCsv(event.target.value)} />
        </label>
        <ErrorNote message={error} />
        {result && (
          <p className="saved" role="status">
            {result}
          </p>
        )}
        <button type="submit" className="primary" disabled={csv.trim() === ''}>
          Import
        </button>
      </form>
    </section>
  );
}
