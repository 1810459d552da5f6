import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, withQuery } from '../api/client';
import { Dialog } from '../common/Dialog';
import { ErrorNote } from '../common/feedback';
import { type Stage, stagesKey } from '../contacts/contact-api';
import { t } from '../i18n/i18n';
import { attempt, useList } from './use-list';

const outcomeName = (outcome: Stage['outcome']): string =>
  ({ open: t('stages.outcome.open'), won: t('stages.outcome.won'), lost: t('stages.outcome.lost') })[outcome];

/** The pipeline's stages: add, rename, reorder, delete (moving the stage's contacts to another). */
export function PipelineStages() {
  const client = useQueryClient();
  const { items, error, setError, reload } = useList<Stage>('/pipeline/stages');
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Stage | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const change = (work: () => Promise<unknown>) =>
    attempt(work, setError, async () => {
      await reload();
      await client.invalidateQueries({ queryKey: stagesKey });
    });
  const stages = items ?? [];
  const move = async (index: number, by: -1 | 1) => {
    const ids = stages.map((stage) => stage.id);
    const [moved] = ids.splice(index, 1);
    if (!moved) return;
    ids.splice(index + by, 0, moved);
    if (await change(() => api('PUT', '/pipeline/stages/order', { ids }))) {
      setAnnouncement(
        t('stages.moved', { name: stages[index]?.name ?? '', position: index + by + 1, total: ids.length }),
      );
    }
  };
  return (
    <>
      <h1>{t('settings.page.pipeline')}</h1>
      <p className="muted">{t('stages.intro')}</p>
      <ErrorNote message={error} />
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ol className="rows" aria-label={t('stages.list')}>
        {stages.map((stage, index) => (
          <li key={stage.id} className="row">
            {renaming === stage.id ? (
              <StageName
                initial={stage.name}
                submitLabel={t('common.save')}
                onCancel={() => setRenaming(null)}
                onSubmit={async (name) => {
                  const saved = await change(() => api('PATCH', `/pipeline/stages/${stage.id}`, { name }));
                  if (saved) setRenaming(null);
                  return saved;
                }}
              />
            ) : (
              <>
                <strong>{stage.name}</strong>
                <span className="muted">{outcomeName(stage.outcome)}</span>
                <button type="button" onClick={() => setRenaming(stage.id)}>
                  {t('stages.rename')}
                  <span className="visually-hidden"> {stage.name}</span>
                </button>
                <button type="button" disabled={index === 0} onClick={() => void move(index, -1)}>
                  {t('llm.moveUp')}
                  <span className="visually-hidden"> {stage.name}</span>
                </button>
                <button
                  type="button"
                  disabled={index === stages.length - 1}
                  onClick={() => void move(index, 1)}
                >
                  {t('llm.moveDown')}
                  <span className="visually-hidden"> {stage.name}</span>
                </button>
                <button type="button" disabled={stages.length === 1} onClick={() => setDeleting(stage)}>
                  {t('common.delete')}
                  <span className="visually-hidden"> {stage.name}</span>
                </button>
              </>
            )}
          </li>
        ))}
      </ol>
      <section className="card settings-form" aria-labelledby="new-stage">
        <h2 id="new-stage">{t('stages.new')}</h2>
        <StageName
          initial=""
          submitLabel={t('stages.add')}
          resetOnSubmit
          onSubmit={(name) => change(() => api('POST', '/pipeline/stages', { name }))}
        />
      </section>
      {deleting && (
        <DeleteStage
          stage={deleting}
          others={stages.filter((stage) => stage.id !== deleting.id)}
          onClose={() => setDeleting(null)}
          onDelete={(moveTo) => {
            setDeleting(null);
            void change(() => api('DELETE', withQuery(`/pipeline/stages/${deleting.id}`, { moveTo })));
          }}
        />
      )}
    </>
  );
}

function DeleteStage(props: {
  stage: Stage;
  others: Stage[];
  onClose: () => void;
  onDelete: (moveTo: string) => void;
}) {
  const [moveTo, setMoveTo] = useState(props.others[0]?.id ?? '');
  return (
    <Dialog
      title={t('common.deleteNamed', { name: props.stage.name })}
      role="alertdialog"
      onClose={props.onClose}
      actions={
        <>
          {/* biome-ignore lint/a11y/noAutofocus: the safe choice takes focus when the dialog opens */}
          <button type="button" autoFocus onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button type="button" className="danger" disabled={!moveTo} onClick={() => props.onDelete(moveTo)}>
            {t('stages.delete')}
          </button>
        </>
      }
    >
      <label>
        {t('stages.moveContacts')}
        <select value={moveTo} onChange={(event) => setMoveTo(event.target.value)}>
          {props.others.map((stage) => (
            <option key={stage.id} value={stage.id}>
              {stage.name}
            </option>
          ))}
        </select>
      </label>
    </Dialog>
  );
}

function StageName(props: {
  initial: string;
  submitLabel: string;
  resetOnSubmit?: boolean;
  onSubmit: (name: string) => Promise<boolean>;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(props.initial);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await props.onSubmit(name.trim());
    if (props.resetOnSubmit && saved) setName('');
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label>
        {t('stages.name')}
        <input required maxLength={50} value={name} onChange={(event) => setName(event.target.value)} />
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
