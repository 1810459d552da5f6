import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { Dialog } from '../common/Dialog';
import { Empty, ErrorNote } from '../common/feedback';
import { attempt, useList } from './use-list';

type FieldType = 'text' | 'number' | 'date' | 'select' | 'boolean';
interface CustomField {
  id: string;
  key: string;
  label: string;
  type: FieldType;
  options: string[];
  position: number;
}

const TYPES: { value: FieldType; label: string }[] = [
  { value: 'text', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'date', label: 'Date' },
  { value: 'select', label: 'Select (a list of options)' },
  { value: 'boolean', label: 'Yes / no' },
];

/** Options as typed: one per line, blank lines ignored. */
function optionLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** A key from a label: lower-case letters, digits and _, starting with a letter. */
function keyFrom(label: string): string {
  const key = label
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 40);
  return key;
}

/** Custom fields of contacts: typed, shown on contacts, usable in filters, templates and imports. */
export function CustomFields() {
  const { items, error, setError, reload } = useList<CustomField>('/custom-fields');
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<CustomField | null>(null);
  const change = (work: () => Promise<unknown>) => attempt(work, setError, reload);
  return (
    <>
      <h1>Custom fields</h1>
      <p className="muted">
        Extra facts about contacts (a VAT number, a budget, a visit date). Templates read them as{' '}
        <code>contact.fields.key</code>; imports and filters use them too. A field's key and type never
        change.
      </p>
      <ErrorNote message={error} />
      {items && items.length === 0 && <Empty title="No custom fields yet">Create one below.</Empty>}
      <ul className="rows">
        {(items ?? []).map((field) =>
          editing === field.id ? (
            <li key={field.id} className="row">
              <FieldEdit
                field={field}
                onCancel={() => setEditing(null)}
                onSave={async (changes) => {
                  if (await change(() => api('PATCH', `/custom-fields/${field.id}`, changes)))
                    setEditing(null);
                }}
              />
            </li>
          ) : (
            <li key={field.id} className="row">
              <strong>{field.label}</strong>
              <code>{field.key}</code>
              <span className="muted">
                {TYPES.find((type) => type.value === field.type)?.label}
                {field.type === 'select' && `: ${field.options.join(', ')}`}
              </span>
              <button type="button" onClick={() => setEditing(field.id)}>
                Edit<span className="visually-hidden"> {field.label}</span>
              </button>
              <button type="button" onClick={() => setDeleting(field)}>
                Delete<span className="visually-hidden"> {field.label}</span>
              </button>
            </li>
          ),
        )}
      </ul>
      <section className="card settings-form" aria-labelledby="new-field">
        <h2 id="new-field">New custom field</h2>
        <FieldCreate onCreate={(input) => change(() => api('POST', '/custom-fields', input))} />
      </section>
      {deleting && (
        <Dialog
          title={`Delete “${deleting.label}”?`}
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
                  void change(() => api('DELETE', `/custom-fields/${id}`));
                }}
              >
                Delete field
              </button>
            </>
          }
        >
          <p>Its value is removed from every contact, and templates that use it stop working.</p>
        </Dialog>
      )}
    </>
  );
}

function FieldCreate(props: {
  onCreate: (input: { key: string; label: string; type: FieldType; options: string[] }) => Promise<boolean>;
}) {
  const [label, setLabel] = useState('');
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const [type, setType] = useState<FieldType>('text');
  const [options, setOptions] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const created = await props.onCreate({
      key,
      label: label.trim(),
      type,
      options: type === 'select' ? optionLines(options) : [],
    });
    if (created) {
      setLabel('');
      setKey('');
      setKeyTouched(false);
      setOptions('');
    }
  };
  return (
    <form className="form-grid" onSubmit={submit}>
      <label>
        Label
        <input
          required
          maxLength={80}
          value={label}
          onChange={(event) => {
            setLabel(event.target.value);
            if (!keyTouched) setKey(keyFrom(event.target.value));
          }}
        />
      </label>
      <label>
        Key
        <input
          required
          maxLength={40}
          pattern="[a-z][a-z0-9_]{0,39}"
          aria-describedby="field-key-hint"
          value={key}
          onChange={(event) => {
            setKeyTouched(true);
            setKey(event.target.value);
          }}
        />
      </label>
      <p id="field-key-hint" className="muted">
        Lower-case letters, digits and _, starting with a letter.
      </p>
      <label>
        Type
        <select value={type} onChange={(event) => setType(event.target.value as FieldType)}>
          {TYPES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      {type === 'select' && (
        <label>
          Options (one per line)
          <textarea required rows={4} value={options} onChange={(event) => setOptions(event.target.value)} />
        </label>
      )}
      <button type="submit" className="primary">
        Create field
      </button>
    </form>
  );
}

function FieldEdit(props: {
  field: CustomField;
  onSave: (changes: { label: string; options?: string[] }) => Promise<void>;
  onCancel: () => void;
}) {
  const { field } = props;
  const [label, setLabel] = useState(field.label);
  const [options, setOptions] = useState(field.options.join('\n'));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await props.onSave({
      label: label.trim(),
      ...(field.type === 'select' ? { options: optionLines(options) } : {}),
    });
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label>
        Label
        <input required maxLength={80} value={label} onChange={(event) => setLabel(event.target.value)} />
      </label>
      {field.type === 'select' && (
        <label>
          Options (one per line)
          <textarea required rows={4} value={options} onChange={(event) => setOptions(event.target.value)} />
        </label>
      )}
      <button type="submit" className="primary">
        Save
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </form>
  );
}
