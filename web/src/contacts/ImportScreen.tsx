import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, type FormEvent, useId, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import { ConfirmDialog } from '../common/Dialog';
import { Empty, ErrorNote, QueryError } from '../common/feedback';
import { formatNumber, fullTime } from '../common/format';
import { useView } from '../common/view';
import './contacts.css';
import { t } from '../i18n/i18n';

type ImportStatus =
  | 'uploaded'
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'undoing'
  | 'undone';
type Policy = 'skip' | 'fill' | 'overwrite';

interface Progress {
  bytesDone: number;
  rowsRead: number;
  created: number;
  updated: number;
  duplicates: number;
  unchanged: number;
  rejected: number;
  rowsPerSecond: number;
  etaSeconds: number | null;
  fraction: number;
}
interface ImportSummary {
  id: string;
  fileName: string;
  status: ImportStatus;
  error: string | null;
  policy: Policy | null;
  progress: Progress;
  undoUntil: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
interface ContactImport extends ImportSummary {
  headers: string[];
  mapping: Record<string, string> | null;
  preview: { headers: string[]; rows: string[][] } | null;
  suggestedMapping: Record<string, string>;
  targets: { key: string; label: string }[];
  defaultCountry: string | null;
}
interface SavedMapping {
  id: string;
  name: string;
  mapping: Record<string, string>;
}

const ACTIVE: ImportStatus[] = ['queued', 'running', 'undoing'];
const statusText = (status: ImportStatus): string =>
  ({
    uploaded: t('import.status.uploaded'),
    queued: t('import.status.queued'),
    running: t('import.status.running'),
    completed: t('import.status.completed'),
    failed: t('import.status.failed'),
    cancelled: t('import.status.cancelled'),
    undoing: t('import.status.undoing'),
    undone: t('import.status.undone'),
  })[status];
const policies = (): { value: Policy; label: string; hint: string }[] => [
  { value: 'skip', label: t('import.policy.skip'), hint: t('import.policy.skipHint') },
  { value: 'fill', label: t('import.policy.fill'), hint: t('import.policy.fillHint') },
  { value: 'overwrite', label: t('import.policy.overwrite'), hint: t('import.policy.overwriteHint') },
];

/** /contacts/import and /contacts/import/:importId: upload, map, follow, and undo CSV imports. */
export function ImportScreen() {
  const { importId } = useParams();
  return importId ? <ImportPage key={importId} id={importId} /> : <ImportStart />;
}

function ImportStart() {
  const heading = useView(t('contacts.import'));
  const navigate = useNavigate();
  const client = useQueryClient();
  const [dragging, setDragging] = useState(false);
  const upload = useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file, file.name);
      return api<ContactImport>('POST', '/contact-imports', form);
    },
    onSuccess: (created) => {
      client.setQueryData(keys.contactImport(created.id), created);
      void client.invalidateQueries({ queryKey: keys.contactImports });
      navigate(`/contacts/import/${created.id}`);
    },
  });
  const send = (file: File | undefined) => {
    if (file && !upload.isPending) upload.mutate(file);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    send(event.dataTransfer.files[0]);
  };
  return (
    <section className="settings-page card contact-import">
      <nav aria-label={t('contacts.breadcrumb')}>
        <Link to="/contacts">{t('contacts.all')}</Link>
      </nav>
      <h1 ref={heading} tabIndex={-1}>
        {t('contacts.import')}
      </h1>
      <p className="muted">{t('import.intro')}</p>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop zone is an extra; the file input inside is the accessible control */}
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        <p>{t('import.drop')}</p>
        <label>
          {t('import.file')}
          <input
            type="file"
            accept=".csv,.txt,.tsv,text/csv,text/plain"
            onChange={(event) => {
              send(event.target.files?.[0]);
              event.target.value = '';
            }}
          />
        </label>
        {upload.isPending && <p role="status">{t('import.uploading')}</p>}
      </div>
      <ErrorNote message={upload.error ? describeError(upload.error) : null} />
      <PastImports />
    </section>
  );
}

function PastImports() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const list = useQuery({
    queryKey: [...keys.contactImports, 'list', cursor],
    queryFn: ({ signal }) =>
      api<{ items: ImportSummary[]; nextCursor: string | null }>(
        'GET',
        withQuery('/contact-imports', { limit: 20, cursor }),
        undefined,
        { signal },
      ),
  });
  return (
    <section aria-labelledby="past-imports">
      <h2 id="past-imports">{t('import.past')}</h2>
      <QueryError query={list} />
      {list.data?.items.length === 0 && cursors.length === 1 && <Empty title={t('import.none')} />}
      {list.data && list.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('import.fileColumn')}</th>
              <th scope="col">{t('import.uploaded')}</th>
              <th scope="col">{t('import.statusColumn')}</th>
              <th scope="col">{t('import.created')}</th>
              <th scope="col">{t('import.updated')}</th>
              <th scope="col">{t('import.rejected')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((item) => (
              <tr key={item.id}>
                <td>
                  <Link to={`/contacts/import/${item.id}`}>{item.fileName}</Link>
                </td>
                <td>{fullTime(item.createdAt)}</td>
                <td>{statusText(item.status)}</td>
                <td>{item.progress.created}</td>
                <td>{item.progress.updated}</td>
                <td>{item.progress.rejected}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        {cursors.length > 1 && (
          <button type="button" onClick={() => setCursors((all) => all.slice(0, -1))}>
            {t('import.newer')}
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" onClick={() => setCursors((all) => [...all, list.data?.nextCursor ?? null])}>
            {t('import.older')}
          </button>
        )}
      </div>
    </section>
  );
}

function ImportPage(props: { id: string }) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: keys.contactImport(props.id),
    queryFn: ({ signal }) => api<ContactImport>('GET', `/contact-imports/${props.id}`, undefined, { signal }),
    // Live events refresh it after every chunk; polling covers a socket that is reconnecting.
    refetchInterval: (current) =>
      current.state.data && ACTIVE.includes(current.state.data.status) ? 2000 : false,
  });
  const heading = useView(query.data ? t('import.of', { file: query.data.fileName }) : t('import.title'));
  const act = useMutation({
    mutationFn: (action: 'cancel' | 'undo') =>
      api<ContactImport>('POST', `/contact-imports/${props.id}/${action}`),
    onSuccess: (updated) => {
      client.setQueryData(keys.contactImport(props.id), updated);
      void client.invalidateQueries({ queryKey: keys.contactImports });
    },
  });
  const [confirmUndo, setConfirmUndo] = useState(false);
  const data = query.data;
  return (
    <section className="settings-page card contact-import">
      <nav aria-label={t('contacts.breadcrumb')}>
        <Link to="/contacts">{t('contacts.all')}</Link> ›{' '}
        <Link to="/contacts/import">{t('import.title')}</Link>
      </nav>
      <h1 ref={heading} tabIndex={-1}>
        {data ? t('import.of', { file: data.fileName }) : t('import.title')}
      </h1>
      <QueryError query={query} />
      <ErrorNote message={act.error ? describeError(act.error) : null} />
      {data?.status === 'uploaded' && (
        <MappingForm contactImport={data} onCancel={() => act.mutate('cancel')} />
      )}
      {data && data.status !== 'uploaded' && (
        <>
          <ImportProgress contactImport={data} />
          <div className="import-actions">
            {(data.status === 'queued' || data.status === 'running') && (
              <button type="button" disabled={act.isPending} onClick={() => act.mutate('cancel')}>
                {t('import.cancel')}
              </button>
            )}
            {data.progress.rejected > 0 && (
              <a className="button-link" href={`/api/v1/contact-imports/${data.id}/rejects.csv`} download>
                {t('import.downloadRejected', { count: data.progress.rejected })}
              </a>
            )}
            {(data.status === 'completed' || data.status === 'cancelled') &&
              Date.parse(data.undoUntil) > Date.now() && (
                <button type="button" className="danger" onClick={() => setConfirmUndo(true)}>
                  {t('import.undo')}
                </button>
              )}
          </div>
          {(data.status === 'completed' || data.status === 'cancelled') && (
            <p className="muted">{t('import.undoUntil', { when: fullTime(data.undoUntil) })}</p>
          )}
        </>
      )}
      {confirmUndo && data && (
        <ConfirmDialog
          title={t('import.undoTitle')}
          cancel={t('import.keep')}
          confirm={t('import.undo')}
          onClose={() => setConfirmUndo(false)}
          onConfirm={() => {
            act.mutate('undo');
          }}
        >
          <p>{t('import.undoHint', { created: data.progress.created, updated: data.progress.updated })}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** SI symbols (h, min, s) read the same in the dashboard's four languages. */
function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function ImportProgress(props: { contactImport: ContactImport }) {
  const { status, progress, error } = props.contactImport;
  const labelId = useId();
  const percent = Math.round(progress.fraction * 100);
  const running = status === 'running' || status === 'queued';
  return (
    <div className="import-progress">
      <p id={labelId}>
        <strong>{statusText(status)}</strong>
        {running && ` — ${percent}%`}
      </p>
      <progress aria-labelledby={labelId} max={1} value={progress.fraction}>
        {percent}%
      </progress>
      <p role="status" className="import-figures">
        {t('import.figures', {
          rows: formatNumber(progress.rowsRead),
          speed: formatNumber(progress.rowsPerSecond),
        })}
        {running &&
          progress.etaSeconds !== null &&
          ` · ${t('import.eta', { left: duration(progress.etaSeconds) })}`}
      </p>
      {error && <p className="error-note">{error}</p>}
      <dl className="import-counts">
        <dt>{t('import.created')}</dt>
        <dd>{progress.created}</dd>
        <dt>{t('import.updated')}</dt>
        <dd>{progress.updated}</dd>
        <dt>{t('import.unchanged')}</dt>
        <dd>{progress.unchanged}</dd>
        <dt>{t('import.duplicates')}</dt>
        <dd>{progress.duplicates}</dd>
        <dt>{t('import.rejected')}</dt>
        <dd>{progress.rejected}</dd>
      </dl>
    </div>
  );
}

const groups = (): { label: string; match: (key: string) => boolean }[] => [
  { label: t('import.group.contact'), match: (key) => !key.includes(':') },
  { label: t('import.group.custom'), match: (key) => key.startsWith('custom:') },
  { label: t('import.group.consent'), match: (key) => key.startsWith('consent:') },
];

function MappingForm(props: { contactImport: ContactImport; onCancel: () => void }) {
  const { contactImport } = props;
  const client = useQueryClient();
  const headers = contactImport.preview?.headers ?? contactImport.headers;
  const rows = contactImport.preview?.rows.slice(0, 5) ?? [];
  const [mapping, setMapping] = useState<Record<string, string>>(contactImport.suggestedMapping);
  const [policy, setPolicy] = useState<Policy>('fill');
  const [country, setCountry] = useState(contactImport.defaultCountry ?? '');
  const [saveAs, setSaveAs] = useState('');
  const saved = useQuery({
    queryKey: [...keys.contactImports, 'mappings'],
    queryFn: async ({ signal }) =>
      (await api<{ items: SavedMapping[] }>('GET', '/contact-import-mappings', undefined, { signal })).items,
  });
  const start = useMutation({
    mutationFn: () =>
      api<ContactImport>('POST', `/contact-imports/${contactImport.id}/start`, {
        mapping,
        policy,
        defaultCountry: country.trim() === '' ? null : country.trim().toUpperCase(),
        ...(saveAs.trim() ? { saveMappingAs: saveAs.trim() } : {}),
      }),
    onSuccess: (started) => {
      client.setQueryData(keys.contactImport(contactImport.id), started);
      void client.invalidateQueries({ queryKey: keys.contactImports });
    },
  });
  const setColumn = (column: number, target: string) =>
    setMapping((current) => {
      const next: Record<string, string> = {};
      for (const [key, value] of Object.entries(current)) {
        // A target takes one column: choosing it here frees the column that had it.
        if (key !== String(column) && value !== target) next[key] = value;
      }
      if (target) next[String(column)] = target;
      return next;
    });
  const applySaved = (id: string) => {
    const found = saved.data?.find((item) => item.id === id);
    if (!found) return;
    const known = new Set(contactImport.targets.map((target) => target.key));
    setMapping(
      Object.fromEntries(
        Object.entries(found.mapping).filter(
          ([column, target]) => Number(column) < headers.length && known.has(target),
        ),
      ),
    );
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };
  const mapsContact = Object.values(mapping).some((target) => target === 'phone' || target === 'email');
  return (
    <form className="import-mapping" onSubmit={submit}>
      <h2>{t('import.columns')}</h2>
      <p className="muted">{t('import.columnsHint')}</p>
      {saved.data && saved.data.length > 0 && (
        <label>
          {t('import.savedMapping')}
          <select defaultValue="" onChange={(event) => applySaved(event.target.value)}>
            <option value="">{t('import.chooseMapping')}</option>
            {saved.data.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="table-scroll">
        <table className="table import-preview">
          <caption className="visually-hidden">{t('import.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('import.column')}</th>
              <th scope="col">{t('import.importAs')}</th>
              <th scope="col">{t('import.firstRows')}</th>
            </tr>
          </thead>
          <tbody>
            {headers.map((header, column) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a file's columns are positions; they never reorder
              <tr key={column}>
                <th scope="row">{header || t('import.columnNumber', { number: column + 1 })}</th>
                <td>
                  <select
                    aria-label={t('import.columnAs', { column: header || column + 1 })}
                    value={mapping[String(column)] ?? ''}
                    onChange={(event) => setColumn(column, event.target.value)}
                  >
                    <option value="">{t('import.skipColumn')}</option>
                    {groups().map((group) => {
                      const targets = contactImport.targets.filter((target) => group.match(target.key));
                      if (targets.length === 0) return null;
                      return (
                        <optgroup key={group.label} label={group.label}>
                          {targets.map((target) => (
                            <option key={target.key} value={target.key}>
                              {target.label}
                            </option>
                          ))}
                        </optgroup>
                      );
                    })}
                  </select>
                </td>
                <td className="import-samples">
                  {rows
                    .map((row) => row[column] ?? '')
                    .filter((cell) => cell !== '')
                    .slice(0, 3)
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <fieldset>
        <legend>{t('import.existing')}</legend>
        {policies().map((option) => (
          <label key={option.value} className="radio">
            <input
              type="radio"
              name="policy"
              value={option.value}
              checked={policy === option.value}
              onChange={() => setPolicy(option.value)}
            />
            {option.label} <span className="muted">— {option.hint}</span>
          </label>
        ))}
      </fieldset>
      <label>
        {t('import.country')}
        <input
          value={country}
          maxLength={2}
          pattern="[A-Za-z]{2}"
          placeholder="IT"
          aria-describedby="country-hint"
          onChange={(event) => setCountry(event.target.value)}
        />
      </label>
      <p id="country-hint" className="muted">
        {t('import.countryHint')}
      </p>
      <label>
        {t('import.saveAs')}
        <input value={saveAs} maxLength={100} onChange={(event) => setSaveAs(event.target.value)} />
      </label>
      {!mapsContact && (
        <p className="error-note" role="alert">
          {t('import.needContact')}
        </p>
      )}
      <ErrorNote message={start.error ? describeError(start.error) : null} />
      <div className="import-actions">
        <button type="submit" className="primary" disabled={!mapsContact || start.isPending}>
          {t('import.start')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('import.discard')}
        </button>
      </div>
    </form>
  );
}
