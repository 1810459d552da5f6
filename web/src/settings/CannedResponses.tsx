import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { CannedResponse } from '../api/types';
import { rich, t } from '../i18n/i18n';
import { EditableList } from './EditableList';

/** Replies saved under a shortcut: typing `/shortcut` in the composer offers them. */
export function CannedResponses() {
  const client = useQueryClient();
  return (
    <>
      <h1>{t('settings.page.cannedResponses')}</h1>
      <p className="muted">{rich('canned.intro', [(slash) => <kbd>{slash}</kbd>])}</p>
      <EditableList<CannedResponse>
        path="/canned-responses"
        // The composer's suggestions are cached per search.
        afterChange={() => client.invalidateQueries({ queryKey: ['canned-responses'] })}
        empty={{ title: t('canned.empty'), hint: t('canned.emptyHint') }}
        name={(item) => `/${item.shortcut}`}
        rowClassName="row canned-row"
        row={(item) => (
          <>
            <strong className="mono">/{item.shortcut}</strong>
            <span className="canned-text">{item.text}</span>
          </>
        )}
        edit={(item, save, cancel) => (
          <CannedForm initial={item} submitLabel={t('common.save')} onCancel={cancel} onSubmit={save} />
        )}
        create={{
          id: 'new-canned',
          title: t('canned.new'),
          form: (create) => (
            <CannedForm
              initial={{ shortcut: '', text: '' }}
              submitLabel={t('canned.saveNew')}
              resetOnSubmit
              onSubmit={create}
            />
          ),
        }}
        remove={{
          title: (item) => t('canned.deleteTitle', { shortcut: item.shortcut }),
          action: t('canned.delete'),
          hint: t('canned.deleteHint'),
        }}
      />
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
        {t('canned.shortcut')}
        <input
          required
          maxLength={33}
          pattern="/?[a-z0-9_\-]{1,32}"
          title={t('canned.shortcutRule')}
          value={shortcut}
          onChange={(event) => setShortcut(event.target.value)}
        />
      </label>
      <label>
        {t('canned.text')}
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
          {t('common.cancel')}
        </button>
      )}
    </form>
  );
}
