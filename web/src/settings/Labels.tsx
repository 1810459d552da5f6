import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { keys } from '../api/queries';
import type { Label } from '../api/types';
import { Dialog } from '../common/Dialog';
import { Empty, ErrorNote } from '../common/feedback';
import { LabelSwatch } from '../inbox/LabelSwatch';
import { attempt, useList } from './use-list';

const DEFAULT_COLOR = '#1f6feb';

/** The workspace's labels: create, rename, recolour, delete (the inbox's label picker follows at once). */
export function Labels() {
  const client = useQueryClient();
  const { items, error, setError, reload } = useList<Label>('/labels');
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Label | null>(null);
  const change = (work: () => Promise<unknown>) =>
    attempt(work, setError, async () => {
      await reload();
      await client.invalidateQueries({ queryKey: keys.labels });
    });

  return (
    <>
      <h1>Labels</h1>
      <p className="muted">
        Labels sort conversations in the inbox; everyone in the workspace can apply them.
      </p>
      <ErrorNote message={error} />
      {items && items.length === 0 && (
        <Empty title="No labels yet">Create one below, for example “Quote sent” or “Wholesale”.</Empty>
      )}
      <ul className="rows">
        {(items ?? []).map((label) =>
          editing === label.id ? (
            <li key={label.id} className="row">
              <LabelForm
                initial={label}
                submitLabel="Save"
                onCancel={() => setEditing(null)}
                onSubmit={async (input) => {
                  if (await change(() => api('PATCH', `/labels/${label.id}`, input))) setEditing(null);
                }}
              />
            </li>
          ) : (
            <li key={label.id} className="row">
              <LabelSwatch color={label.color} />
              <strong>{label.name}</strong>
              <button type="button" onClick={() => setEditing(label.id)}>
                Edit<span className="visually-hidden"> {label.name}</span>
              </button>
              <button type="button" onClick={() => setDeleting(label)}>
                Delete<span className="visually-hidden"> {label.name}</span>
              </button>
            </li>
          ),
        )}
      </ul>
      <section className="card settings-form" aria-labelledby="new-label">
        <h2 id="new-label">New label</h2>
        <LabelForm
          initial={{ name: '', color: DEFAULT_COLOR }}
          submitLabel="Create label"
          resetOnSubmit
          onSubmit={(input) => change(() => api('POST', '/labels', input))}
        />
      </section>
      {deleting && (
        <Dialog
          title={`Delete “${deleting.name}”?`}
          role="alertdialog"
          onClose={() => setDeleting(null)}
          actions={
            <>
              {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes focus when the dialog opens */}
              <button type="button" autoFocus onClick={() => setDeleting(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  const { id } = deleting;
                  setDeleting(null);
                  void change(() => api('DELETE', `/labels/${id}`));
                }}
              >
                Delete label
              </button>
            </>
          }
        >
          <p>It is removed from every conversation that has it.</p>
        </Dialog>
      )}
    </>
  );
}

function LabelForm(props: {
  initial: { name: string; color: string };
  submitLabel: string;
  resetOnSubmit?: boolean;
  onSubmit: (input: { name: string; color: string }) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(props.initial.name);
  const [color, setColor] = useState(props.initial.color);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await props.onSubmit({ name: name.trim(), color });
    if (props.resetOnSubmit && saved !== false) setName('');
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label>
        Name
        <input required maxLength={50} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        Colour
        <input type="color" value={color} onChange={(event) => setColor(event.target.value)} />
      </label>
      <button type="submit" className="primary">
        {props.submitLabel}
      </button>
      {props.onCancel && (
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}
