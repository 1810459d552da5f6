import { type FormEvent, useState } from 'react';
import { rich, t } from '../i18n/i18n';
import { EditableList } from './EditableList';

type FieldType = 'text' | 'number' | 'date' | 'select' | 'boolean';
interface CustomField {
  id: string;
  key: string;
  label: string;
  type: FieldType;
  options: string[];
  position: number;
}

const TYPES: FieldType[] = ['text', 'number', 'date', 'select', 'boolean'];
const typeName = (type: FieldType): string =>
  ({
    text: t('fields.type.text'),
    number: t('fields.type.number'),
    date: t('fields.type.date'),
    select: t('fields.type.select'),
    boolean: t('fields.type.boolean'),
  })[type];

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
  return (
    <>
      <h1>{t('settings.page.customFields')}</h1>
      <p className="muted">{rich('fields.intro', [(code) => <code>{code}</code>])}</p>
      <EditableList<CustomField>
        path="/custom-fields"
        empty={{ title: t('fields.empty'), hint: t('fields.emptyHint') }}
        name={(field) => field.label}
        row={(field) => (
          <>
            <strong>{field.label}</strong>
            <code>{field.key}</code>
            <span className="muted">
              {typeName(field.type)}
              {field.type === 'select' && `: ${field.options.join(', ')}`}
            </span>
          </>
        )}
        edit={(field, save, cancel) => <FieldEdit field={field} onCancel={cancel} onSave={save} />}
        create={{
          id: 'new-field',
          title: t('fields.new'),
          form: (create) => <FieldCreate onCreate={create} />,
        }}
        remove={{
          title: (field) => t('common.deleteNamed', { name: field.label }),
          action: t('fields.delete'),
          hint: t('fields.deleteHint'),
        }}
      />
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
        {t('fields.label')}
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
        {t('fields.key')}
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
        {t('fields.keyHint')}
      </p>
      <label>
        {t('fields.type')}
        <select value={type} onChange={(event) => setType(event.target.value as FieldType)}>
          {TYPES.map((option) => (
            <option key={option} value={option}>
              {typeName(option)}
            </option>
          ))}
        </select>
      </label>
      {type === 'select' && (
        <label>
          {t('fields.options')}
          <textarea required rows={4} value={options} onChange={(event) => setOptions(event.target.value)} />
        </label>
      )}
      <button type="submit" className="primary">
        {t('fields.create')}
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
        {t('fields.label')}
        <input required maxLength={80} value={label} onChange={(event) => setLabel(event.target.value)} />
      </label>
      {field.type === 'select' && (
        <label>
          {t('fields.options')}
          <textarea required rows={4} value={options} onChange={(event) => setOptions(event.target.value)} />
        </label>
      )}
      <button type="submit" className="primary">
        {t('common.save')}
      </button>
      <button type="button" onClick={props.onCancel}>
        {t('common.cancel')}
      </button>
    </form>
  );
}
