import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, type FormEvent, useId, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import { Dialog } from '../common/Dialog';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { useView } from '../common/view';
import './contacts.css';

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
const STATUS_TEXT: Record<ImportStatus, string> = {
  uploaded: 'Waiting for its mapping',
  queued: 'Queued',
  running: 'Importing',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  undoing: 'Undoing',
  undone: 'Undone',
};
const POLICIES: { value: Policy; label: string; hint: string }[] = [
  { value: 'skip', label: 'Skip', hint: 'existing contacts are left as they are' },
  { value: 'fill', label: 'Fill empty fields', hint: 'only fields an existing contact lacks are set' },
  { value: 'overwrite', label: 'Overwrite', hint: "the file's values win (an empty cell never erases)" },
];

/** /contacts/import and /contacts/import/:importId: upload, map, follow, and undo CSV imports. */
export function ImportScreen() {
  const { importId } = useParams();
  return importId ? <ImportPage key={importId} id={importId} /> : <ImportStart />;
}

function ImportStart() {
  const heading = useView('Import contacts');
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
      <nav aria-label="Breadcrumb">
        <Link to="/contacts">All contacts</Link>
      </nav>
      <h1 ref={heading} tabIndex={-1}>
        Import contacts
      </h1>
      <p className="muted">
        A CSV file from a spreadsheet or another CRM: any encoding Excel writes, separated by commas,
        semicolons, tabs or bars. You choose where each column goes before anything is imported.
      </p>
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
        <p>Drop a CSV file here, or choose one.</p>
        <label>
          CSV file
          <input
            type="file"
            accept=".csv,.txt,.tsv,text/csv,text/plain"
            onChange={(event) => {
              send(event.target.files?.[0]);
              event.target.value = '';
            }}
          />
        </label>
        {upload.isPending && <p role="status">Uploading…</p>}
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
      <h2 id="past-imports">Past imports</h2>
      <ErrorNote
        message={list.error ? describeError(list.error) : null}
        onRetry={() => void list.refetch()}
      />
      {list.data?.items.length === 0 && cursors.length === 1 && <Empty title="No imports yet" />}
      {list.data && list.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Uploaded</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Updated</th>
              <th scope="col">Rejected</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((item) => (
              <tr key={item.id}>
                <td>
                  <Link to={`/contacts/import/${item.id}`}>{item.fileName}</Link>
                </td>
                <td>{fullTime(item.createdAt)}</td>
                <td>{STATUS_TEXT[item.status]}</td>
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
            Newer imports
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" onClick={() => setCursors((all) => [...all, list.data?.nextCursor ?? null])}>
            Older imports
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
  const heading = useView(query.data ? `Import of ${query.data.fileName}` : 'Import');
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
      <nav aria-label="Breadcrumb">
        <Link to="/contacts">All contacts</Link> › <Link to="/contacts/import">Import</Link>
      </nav>
      <h1 ref={heading} tabIndex={-1}>
        {data ? `Import of ${data.fileName}` : 'Import'}
      </h1>
      <ErrorNote
        message={query.error ? describeError(query.error) : null}
        onRetry={() => void query.refetch()}
      />
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
                Cancel import
              </button>
            )}
            {data.progress.rejected > 0 && (
              <a className="button-link" href={`/api/v1/contact-imports/${data.id}/rejects.csv`} download>
                Download rejected rows ({data.progress.rejected})
              </a>
            )}
            {(data.status === 'completed' || data.status === 'cancelled') &&
              Date.parse(data.undoUntil) > Date.now() && (
                <button type="button" className="danger" onClick={() => setConfirmUndo(true)}>
                  Undo import
                </button>
              )}
          </div>
          {(data.status === 'completed' || data.status === 'cancelled') && (
            <p className="muted">Can be undone until {fullTime(data.undoUntil)}.</p>
          )}
        </>
      )}
      {confirmUndo && data && (
        <Dialog
          title="Undo this import?"
          role="alertdialog"
          onClose={() => setConfirmUndo(false)}
          actions={
            <>
              {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes focus when the dialog opens */}
              <button type="button" autoFocus onClick={() => setConfirmUndo(false)}>
                Keep the import
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setConfirmUndo(false);
                  act.mutate('undo');
                }}
              >
                Undo import
              </button>
            </>
          }
        >
          <p>
            The {data.progress.created} contacts it created are removed (unless a conversation has started
            with them) and the {data.progress.updated} it updated get their previous values back.
          </p>
        </Dialog>
      )}
    </section>
  );
}

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
        <strong>{STATUS_TEXT[status]}</strong>
        {running && ` — ${percent}%`}
      </p>
      <progress aria-labelledby={labelId} max={1} value={progress.fraction}>
        {percent}%
      </progress>
      <p role="status" className="import-figures">
        {progress.rowsRead.toLocaleString()} rows read · {progress.rowsPerSecond.toLocaleString()} rows/s
        {running && progress.etaSeconds !== null && ` · about ${duration(progress.etaSeconds)} left`}
      </p>
      {error && <p className="error-note">{error}</p>}
      <dl className="import-counts">
        <dt>Created</dt>
        <dd>{progress.created}</dd>
        <dt>Updated</dt>
        <dd>{progress.updated}</dd>
        <dt>Unchanged</dt>
        <dd>{progress.unchanged}</dd>
        <dt>Duplicates in the file</dt>
        <dd>{progress.duplicates}</dd>
        <dt>Rejected</dt>
        <dd>{progress.rejected}</dd>
      </dl>
    </div>
  );
}

const GROUPS: { label: string; match: (key: string) => boolean }[] = [
  { label: 'Contact fields', match: (key) => !key.includes(':') },
  { label: 'Custom fields', match: (key) => key.startsWith('custom:') },
  { label: 'Consent', match: (key) => key.startsWith('consent:') },
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
      <h2>Columns</h2>
      <p className="muted">
        Each column goes to a contact field, a custom field or a consent channel, or is left out. The
        suggestion comes from the column names.
      </p>
      {saved.data && saved.data.length > 0 && (
        <label>
          Saved mapping
          <select defaultValue="" onChange={(event) => applySaved(event.target.value)}>
            <option value="">Choose a saved mapping…</option>
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
          <caption className="visually-hidden">
            The file's columns, their first rows and where each goes
          </caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Import as</th>
              <th scope="col">First rows</th>
            </tr>
          </thead>
          <tbody>
            {headers.map((header, column) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a file's columns are positions; they never reorder
              <tr key={column}>
                <th scope="row">{header || `Column ${column + 1}`}</th>
                <td>
                  <select
                    aria-label={`Import column “${header || column + 1}” as`}
                    value={mapping[String(column)] ?? ''}
                    onChange={(event) => setColumn(column, event.target.value)}
                  >
                    <option value="">Don't import</option>
                    {GROUPS.map((group) => {
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
        <legend>Contacts already in Leadline (same phone, or same e-mail)</legend>
        {POLICIES.map((option) => (
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
        Default country for numbers without a country code
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
        Two letters (IT, PT, ES, BR…); remembered for the next import.
      </p>
      <label>
        Save this mapping as (optional)
        <input value={saveAs} maxLength={100} onChange={(event) => setSaveAs(event.target.value)} />
      </label>
      {!mapsContact && (
        <p className="error-note" role="alert">
          Map a column to the phone number or the e-mail address.
        </p>
      )}
      <ErrorNote message={start.error ? describeError(start.error) : null} />
      <div className="import-actions">
        <button type="submit" className="primary" disabled={!mapsContact || start.isPending}>
          Start import
        </button>
        <button type="button" onClick={props.onCancel}>
          Discard this file
        </button>
      </div>
    </form>
  );
}
