import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { keys } from '../api/queries';
import type { Label } from '../api/types';
import { t } from '../i18n/i18n';
import { LabelSwatch } from '../inbox/LabelSwatch';
import { EditableList } from './EditableList';

const DEFAULT_COLOR = '#1f6feb';

/** The workspace's labels: create, rename, recolour, delete (the inbox's label picker follows at once). */
export function Labels() {
  const client = useQueryClient();
  return (
    <>
      <h1>{t('settings.page.labels')}</h1>
      <p className="muted">{t('labels.intro')}</p>
      <EditableList<Label>
        path="/labels"
        afterChange={() => client.invalidateQueries({ queryKey: keys.labels })}
        empty={{ title: t('labels.empty'), hint: t('labels.emptyHint') }}
        name={(label) => label.name}
        row={(label) => (
          <>
            <LabelSwatch color={label.color} />
            <strong>{label.name}</strong>
          </>
        )}
        edit={(label, save, cancel) => (
          <LabelForm initial={label} submitLabel={t('common.save')} onCancel={cancel} onSubmit={save} />
        )}
        create={{
          id: 'new-label',
          title: t('labels.new'),
          form: (create) => (
            <LabelForm
              initial={{ name: '', color: DEFAULT_COLOR }}
              submitLabel={t('labels.create')}
              resetOnSubmit
              onSubmit={create}
            />
          ),
        }}
        remove={{
          title: (label) => t('common.deleteNamed', { name: label.name }),
          action: t('labels.delete'),
          hint: t('labels.deleteHint'),
        }}
      />
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
        {t('labels.name')}
        <input required maxLength={50} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        {t('labels.colour')}
        <input type="color" value={color} onChange={(event) => setColor(event.target.value)} />
      </label>
      <button type="submit" className="primary">
        {props.submitLabel}
      </button>
      {props.onCancel && (
        <button type="button" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      )}
    </form>
  );
}
