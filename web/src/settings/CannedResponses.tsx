import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { CannedResponse } from '../api/types';
import { Dialog } from '../common/Dialog';
import { Empty, ErrorNote } from '../common/feedback';
import { attempt, useList } from './use-list';

/** Replies saved under a shortcut: typing `/shortcut` in the composer offers them. */
export function CannedResponses() {
  const client = useQueryClient();
  const { items, error, setError, reload } = useList<CannedResponse>('/canned-responses');
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<CannedResponse | null>(null);
  const change = (work: () => Promise<unknown>) =>
    attempt(work, setError, async () => {
      await reload();
      // The composer's suggestions are cached per search.
      await client.invalidateQueries({ queryKey: ['canned-responses'] });
    });

  return (
    <>
      <h1>Canned responses</h1>
      <p className="muted">
        Type <kbd>/</kbd> and a shortcut in the reply box to insert one. Listed by shortcut.
      </p>
      <ErrorNote message={error} />
      {items && items.length === 0 && (
        <Empty title="No canned responses yet">
          Save the answers you give most often below, for example /hours with your opening times.
        </Empty>
      )}
      <ul className="rows">
        {(items ?? []).map((item) =>
          editing === item.id ? (
            <li key={item.id} className="row">
              <CannedForm
                initial={item}
                submitLabel="Save"
                onCancel={() => setEditing(null)}
                onSubmit={async (input) => {
                  if (await change(() => api('PATCH', `/canned-responses/${item.id}`, input)))
                    setEditing(null);
                }}
              />
            </li>
          ) : (
            <li key={item.id} className="row canned-row">
              <strong className="mono">/{item.shortcut}</strong>
              <span className="canned-text">{item.text}</span>
              <button type="button" onClick={() => setEditing(item.id)}>
                Edit<span className="visually-hidden"> /{item.shortcut}</span>
              </button>
              <button type="button" onClick={() => setDeleting(item)}>
                Delete<span className="visually-hidden"> /{item.shortcut}</span>
              </button>
            </li>
          ),
        )}
      </ul>
      <section className="card settings-form" aria-labelledby="new-canned">
        <h2 id="new-canned">New canned response</h2>
        <CannedForm
          initial={{ shortcut: '', text: '' }}
          submitLabel="Save response"
          resetOnSubmit
          onSubmit={(input) => change(() => api('POST', '/canned-responses', input))}
        />
      </section>
      {deleting && (
        <Dialog
          title={`Delete /${deleting.shortcut}?`}
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
                  void change(() => api('DELETE', `/canned-responses/${id}`));
                }}
              >
                Delete response
              </button>
            </>
          }
        >
          <p>Messages already sent with it stay as they are.</p>
        </Dialog>
      )}
    </>
  );
}

function CannedForm(props: {
  initial: { shortcut: string; text: string };
  submitLabel: string;
  resetOnSubmit?: boolean;
  onSubmit: (input: { shortcut: string; text: string }) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const [shortcut, setShortcut] = useState(props.initial.shortcut);
  const [text, setText] = useState(props.initial.text);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await props.onSubmit({ shortcut: shortcut.trim().replace(/^\//, ''), text: text.trim() });
    if (props.resetOnSubmit && saved !== false) {
      setShortcut('');
      setText('');
    }
  };
  return (
    <form className="inline-form canned-form" onSubmit={submit}>
      <label>
        Shortcut
        <input
          required
          maxLength={33}
          pattern="/?[a-z0-9_\-]{1,32}"
          title="Lower-case letters, digits, _ and -, at most 32"
          value={shortcut}
          onChange={(event) => setShortcut(event.target.value)}
        />
      </label>
      <label>
        Text
        <textarea
          required
          rows={3}
          maxLength={4096}
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
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
