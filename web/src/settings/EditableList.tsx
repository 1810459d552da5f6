import { type ReactNode, useState } from 'react';
import { api } from '../api/client';
import { ConfirmDialog } from '../common/Dialog';
import { Empty, ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';
import { attempt, useList } from './use-list';

/**
 * A settings list kept at `path` (`GET` lists, `POST` creates, `PATCH`/`DELETE` `path/:id` change one): its
 * rows with Edit and Delete, one row at a time edited in place, a "new" form below, and a confirmation before
 * a delete. The page supplies what differs — how a row reads, its edit and create forms, its texts.
 */
export function EditableList<T extends { id: string }>(props: {
  path: string;
  /** Runs after every successful change, beside the list's own reload (other views' caches). */
  afterChange?: () => Promise<unknown>;
  empty: { title: string; hint: string };
  /** The row's name for screen readers, after "Edit" and "Delete". */
  name: (item: T) => string;
  rowClassName?: string;
  row: (item: T) => ReactNode;
  /** The in-place form; `save` resolves once the change is made (and the row closed) or refused. */
  edit: (item: T, save: (changes: unknown) => Promise<void>, cancel: () => void) => ReactNode;
  create: { id: string; title: string; form: (create: (input: unknown) => Promise<boolean>) => ReactNode };
  remove: { title: (item: T) => string; action: string; hint: string };
}) {
  const { items, error, setError, reload } = useList<T>(props.path);
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<T | null>(null);
  const { afterChange } = props;
  const change = (work: () => Promise<unknown>) =>
    attempt(work, setError, async () => {
      await reload();
      await afterChange?.();
    });

  return (
    <>
      <ErrorNote message={error} />
      {items && items.length === 0 && <Empty title={props.empty.title}>{props.empty.hint}</Empty>}
      <ul className="rows">
        {(items ?? []).map((item) =>
          editing === item.id ? (
            <li key={item.id} className="row">
              {props.edit(
                item,
                async (changes) => {
                  if (await change(() => api('PATCH', `${props.path}/${item.id}`, changes))) setEditing(null);
                },
                () => setEditing(null),
              )}
            </li>
          ) : (
            <li key={item.id} className={props.rowClassName ?? 'row'}>
              {props.row(item)}
              <button type="button" onClick={() => setEditing(item.id)}>
                {t('common.edit')}
                <span className="visually-hidden"> {props.name(item)}</span>
              </button>
              <button type="button" onClick={() => setDeleting(item)}>
                {t('common.delete')}
                <span className="visually-hidden"> {props.name(item)}</span>
              </button>
            </li>
          ),
        )}
      </ul>
      <section className="card settings-form" aria-labelledby={props.create.id}>
        <h2 id={props.create.id}>{props.create.title}</h2>
        {props.create.form((input) => change(() => api('POST', props.path, input)))}
      </section>
      {deleting && (
        <ConfirmDialog
          title={props.remove.title(deleting)}
          confirm={props.remove.action}
          onClose={() => setDeleting(null)}
          onConfirm={() => {
            const { id } = deleting;
            void change(() => api('DELETE', `${props.path}/${id}`));
          }}
        >
          <p>{props.remove.hint}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
