import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api, describeError } from '../api/client';
import { labelsQuery } from '../api/queries';
import { Empty, ErrorNote } from '../common/feedback';
import { formatNumber } from '../common/format';
import { useView } from '../common/view';
import { useStages } from '../contacts/contact-api';
import { currentLocale, t } from '../i18n/i18n';
import {
  type Channel,
  type CustomField,
  EXCLUSION_REASONS,
  exclusionLabel,
  type FieldCondition,
  type FieldOp,
  type LastActivity,
  type Preview,
  type Segment,
  type SegmentFilter,
  segmentKeys,
  useCustomFields,
  useImports,
  useSegments,
} from './segment-api';
import './segments.css';

const SOURCES = ['whatsapp', 'sms', 'widget', 'import', 'api', 'campaign'] as const;
const CONDITION_KINDS = ['labels', 'stageIds', 'fields', 'sources', 'lastActivity', 'importId'] as const;
type ConditionKind = (typeof CONDITION_KINDS)[number];
const conditionLabel = (kind: ConditionKind): string =>
  ({
    labels: t('segments.condition.labels'),
    stageIds: t('segments.condition.stage'),
    fields: t('segments.condition.field'),
    sources: t('segments.condition.source'),
    lastActivity: t('segments.condition.lastActivity'),
    importId: t('segments.condition.import'),
  })[kind];
const OPS_BY_TYPE: Record<CustomField['type'], FieldOp[]> = {
  text: ['equals', 'contains', 'empty', 'not_empty'],
  number: ['equals', 'gt', 'gte', 'lt', 'lte', 'empty', 'not_empty'],
  date: ['equals', 'before', 'after', 'empty', 'not_empty'],
  select: ['equals', 'empty', 'not_empty'],
  boolean: ['equals', 'empty', 'not_empty'],
};
const opLabel = (op: FieldOp): string =>
  ({
    equals: t('segments.op.equals'),
    contains: t('segments.op.contains'),
    empty: t('segments.op.empty'),
    not_empty: t('segments.op.notEmpty'),
    gt: t('segments.op.gt'),
    gte: t('segments.op.gte'),
    lt: t('segments.op.lt'),
    lte: t('segments.op.lte'),
    before: t('segments.op.before'),
    after: t('segments.op.after'),
  })[op];
const sourceLabel = (source: (typeof SOURCES)[number]): string =>
  ({
    whatsapp: t('segments.source.whatsapp'),
    sms: t('segments.source.sms'),
    widget: t('segments.source.widget'),
    import: t('segments.source.import'),
    api: t('segments.source.api'),
    campaign: t('segments.source.campaign'),
  })[source];

/** The filter as the API takes it: incomplete conditions (no label chosen yet, no value) left out. */
export function completeFilter(draft: SegmentFilter): SegmentFilter {
  const filter: SegmentFilter = {};
  if (draft.labels && draft.labels.labelIds.length > 0) filter.labels = draft.labels;
  if (draft.stageIds && draft.stageIds.length > 0) filter.stageIds = draft.stageIds;
  const fields = (draft.fields ?? []).filter(
    (f) =>
      f.key !== '' && (f.op === 'empty' || f.op === 'not_empty' || (f.value !== undefined && f.value !== '')),
  );
  if (fields.length > 0)
    filter.fields = fields.map((f) =>
      f.op === 'empty' || f.op === 'not_empty' ? { key: f.key, op: f.op } : f,
    );
  if (draft.sources && draft.sources.length > 0) filter.sources = draft.sources;
  const activity = draft.lastActivity;
  if (activity && (activity.after || activity.before || activity.withinDays || activity.olderThanDays)) {
    filter.lastActivity = activity;
  }
  if (draft.importId) {
    filter.importId = draft.importId;
    if (draft.importChange) filter.importChange = draft.importChange;
  }
  return filter;
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** Segments: the saved list beside the builder of the one open (or a new one). */
export function Segments() {
  const { segmentId } = useParams();
  const segments = useSegments();
  const heading = useView(t('segments.title'));
  return (
    <div className="segments-screen">
      <aside className="card segments-list" aria-labelledby="segments-heading">
        <h1 id="segments-heading" ref={heading} tabIndex={-1}>
          {t('segments.title')}
        </h1>
        <Link to="/segments/new" className="button">
          {t('segments.new')}
        </Link>
        {segments.error && (
          <ErrorNote message={describeError(segments.error)} onRetry={() => void segments.refetch()} />
        )}
        {segments.data?.length === 0 && (
          <Empty title={t('segments.empty.title')}>{t('segments.empty.body')}</Empty>
        )}
        <ul>
          {segments.data?.map((segment) => (
            <li key={segment.id}>
              <Link
                to={`/segments/${segment.id}`}
                aria-current={segment.id === segmentId ? 'page' : undefined}
              >
                {segment.name}
              </Link>
            </li>
          ))}
        </ul>
      </aside>
      {segmentId === 'new' ? (
        <Builder key="new" segment={null} />
      ) : segmentId ? (
        <SavedBuilder key={segmentId} id={segmentId} />
      ) : (
        <section className="card segment-builder">
          <Empty title={t('segments.choose')} />
        </section>
      )}
    </div>
  );
}

function SavedBuilder(props: { id: string }) {
  const segment = useQuery({
    queryKey: segmentKeys.one(props.id),
    queryFn: ({ signal }) => api<Segment>('GET', `/segments/${props.id}`, undefined, { signal }),
  });
  if (segment.error) return <ErrorNote message={describeError(segment.error)} />;
  if (!segment.data) return <p className="loading">{t('common.loading')}</p>;
  return <Builder segment={segment.data} />;
}

function Builder(props: { segment: Segment | null }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState(props.segment?.name ?? '');
  const [draft, setDraft] = useState<SegmentFilter>(props.segment?.filter ?? {});
  const [channel, setChannel] = useState<Channel>('whatsapp');
  const [adding, setAdding] = useState<ConditionKind>('labels');
  // A new segment's editor mounts again at its own address: the notice travels in the navigation's state.
  const location = useLocation();
  const [saved, setSaved] = useState<string | null>(
    (location.state as { saved?: string } | null)?.saved ?? null,
  );
  const ids = useId();
  const heading = useView<HTMLHeadingElement>(
    props.segment
      ? t('segments.documentTitle', { name: props.segment.name })
      : t('segments.documentTitle', { name: t('segments.new') }),
  );

  // Debounced as text: a new object each render would restart the timer for ever.
  const filterText = useDebounced(JSON.stringify(completeFilter(draft)), 400);
  const filter = JSON.parse(filterText) as SegmentFilter;
  const preview = useQuery({
    queryKey: ['segment-preview', filterText, channel],
    queryFn: ({ signal }) =>
      api<Preview>('POST', '/segments/preview', { filter, channel, sampleSize: 10 }, { signal }),
    placeholderData: (previous) => previous,
  });
  const save = useMutation({
    mutationFn: () =>
      props.segment
        ? api<Segment>('PATCH', `/segments/${props.segment.id}`, { name, filter: completeFilter(draft) })
        : api<Segment>('POST', '/segments', { name, filter: completeFilter(draft) }),
    onSuccess: async (segment) => {
      queryClient.setQueryData(segmentKeys.one(segment.id), segment);
      await queryClient.invalidateQueries({ queryKey: segmentKeys.list });
      const notice = t('segments.saved', { name: segment.name });
      setSaved(notice);
      if (!props.segment) void navigate(`/segments/${segment.id}`, { state: { saved: notice } });
    },
  });

  const present = CONDITION_KINDS.filter((kind) =>
    kind === 'fields' ? (draft.fields?.length ?? 0) > 0 : draft[kind] !== undefined,
  );
  const addable = CONDITION_KINDS.filter((kind) => kind === 'fields' || !present.includes(kind));

  function add() {
    const kind = addable.includes(adding) ? adding : addable[0];
    if (!kind) return;
    setDraft((d) => {
      switch (kind) {
        case 'labels':
          return { ...d, labels: { match: 'any', labelIds: [] } };
        case 'stageIds':
          return { ...d, stageIds: [] };
        case 'fields':
          return { ...d, fields: [...(d.fields ?? []), { key: '', op: 'equals', value: '' }] };
        case 'sources':
          return { ...d, sources: [] };
        case 'lastActivity':
          return { ...d, lastActivity: { direction: 'any', withinDays: 30 } };
        case 'importId':
          return { ...d, importId: '' };
      }
    });
  }

  function remove(kind: Exclude<ConditionKind, 'fields'>) {
    setDraft((d) => {
      const next = { ...d };
      delete next[kind];
      if (kind === 'importId') delete next.importChange;
      return next;
    });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    save.mutate();
  }

  return (
    <section className="card segment-builder" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} ref={heading} tabIndex={-1}>
        {props.segment ? props.segment.name : t('segments.new')}
      </h2>
      <form onSubmit={submit} className="segment-form">
        <label>
          {t('segments.name')}
          <input value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} />
        </label>
        <p className="muted">{t('segments.matchEvery')}</p>
        {present.includes('labels') && draft.labels && (
          <LabelsCondition
            value={draft.labels}
            onChange={(labels) => setDraft((d) => ({ ...d, labels }))}
            onRemove={() => remove('labels')}
          />
        )}
        {present.includes('stageIds') && (
          <StagesCondition
            value={draft.stageIds ?? []}
            onChange={(stageIds) => setDraft((d) => ({ ...d, stageIds }))}
            onRemove={() => remove('stageIds')}
          />
        )}
        {(draft.fields ?? []).map((condition, index) => (
          <FieldConditionRow
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their position
            key={index}
            index={index}
            value={condition}
            onChange={(next) =>
              setDraft((d) => ({ ...d, fields: (d.fields ?? []).map((f, i) => (i === index ? next : f)) }))
            }
            onRemove={() =>
              setDraft((d) => {
                const fields = (d.fields ?? []).filter((_, i) => i !== index);
                const next: SegmentFilter = { ...d, fields };
                if (fields.length === 0) delete next.fields;
                return next;
              })
            }
          />
        ))}
        {present.includes('sources') && (
          <SourcesCondition
            value={draft.sources ?? []}
            onChange={(sources) => setDraft((d) => ({ ...d, sources }))}
            onRemove={() => remove('sources')}
          />
        )}
        {present.includes('lastActivity') && draft.lastActivity && (
          <ActivityCondition
            value={draft.lastActivity}
            onChange={(lastActivity) => setDraft((d) => ({ ...d, lastActivity }))}
            onRemove={() => remove('lastActivity')}
          />
        )}
        {present.includes('importId') && (
          <ImportCondition
            importId={draft.importId ?? ''}
            change={draft.importChange}
            onChange={(importId, importChange) =>
              setDraft((d) => {
                const next = { ...d, importId };
                if (importChange) next.importChange = importChange;
                else delete next.importChange;
                return next;
              })
            }
            onRemove={() => remove('importId')}
          />
        )}
        <div className="segment-add">
          <label>
            {t('segments.conditionKind')}
            <select
              value={addable.includes(adding) ? adding : addable[0]}
              onChange={(e) => setAdding(e.target.value as ConditionKind)}
            >
              {addable.map((kind) => (
                <option key={kind} value={kind}>
                  {conditionLabel(kind)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={add}>
            {t('segments.addCondition')}
          </button>
        </div>
        <div className="segment-actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('segments.save')}
          </button>
          {saved && <span role="status">{saved}</span>}
        </div>
        {save.error && <ErrorNote message={describeError(save.error)} />}
      </form>
      <PreviewPanel
        channel={channel}
        onChannel={setChannel}
        preview={preview.data}
        error={preview.error}
        fetching={preview.isFetching}
      />
    </section>
  );
}

function PreviewPanel(props: {
  channel: Channel;
  onChannel: (channel: Channel) => void;
  preview: Preview | undefined;
  error: unknown;
  fetching: boolean;
}) {
  const { preview } = props;
  return (
    <section className="segment-preview" aria-labelledby="segment-preview-title" aria-busy={props.fetching}>
      <h3 id="segment-preview-title">{t('segments.preview.title')}</h3>
      <label>
        {t('segments.preview.channel')}
        <select value={props.channel} onChange={(e) => props.onChannel(e.target.value as Channel)}>
          <option value="whatsapp">{t('common.channel.whatsapp')}</option>
          <option value="sms">{t('common.channel.sms')}</option>
          <option value="email">{t('segments.channel.email')}</option>
        </select>
      </label>
      {props.error ? <ErrorNote message={describeError(props.error)} /> : null}
      {preview && (
        <>
          <dl className="segment-counts" aria-live="polite">
            <div>
              <dt>{t('segments.preview.total')}</dt>
              <dd data-testid="count-total">{formatNumber(preview.total)}</dd>
            </div>
            <div>
              <dt>{t('segments.preview.eligible')}</dt>
              <dd data-testid="count-eligible">{formatNumber(preview.eligible)}</dd>
            </div>
            {EXCLUSION_REASONS.map((reason) => (
              <div key={reason}>
                <dt>{exclusionLabel(reason)}</dt>
                <dd data-testid={`count-${reason}`}>{formatNumber(preview.excluded[reason])}</dd>
              </div>
            ))}
          </dl>
          {preview.sample.length > 0 && (
            <table className="segment-sample">
              <caption>{t('segments.preview.sample')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('segments.column.name')}</th>
                  <th scope="col">{t('segments.column.phone')}</th>
                  <th scope="col">{t('segments.column.email')}</th>
                  <th scope="col">{t('segments.column.messaged')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.sample.map((contact) => (
                  <tr key={contact.id}>
                    <td>
                      <Link to={`/contacts/${contact.id}`}>{contact.name ?? contact.phoneE164}</Link>
                    </td>
                    <td>{contact.phoneE164}</td>
                    <td>{contact.email ?? ''}</td>
                    <td>{contact.reason ? exclusionLabel(contact.reason) : t('segments.yes')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function Condition(props: { legend: string; onRemove: () => void; children: React.ReactNode }) {
  return (
    <fieldset className="segment-condition">
      <legend>{props.legend}</legend>
      {props.children}
      <button
        type="button"
        className="link-button"
        onClick={props.onRemove}
        aria-label={t('segments.removeCondition', { condition: props.legend })}
      >
        {t('segments.remove')}
      </button>
    </fieldset>
  );
}

function toggle(list: string[], item: string, on: boolean): string[] {
  return on ? [...new Set([...list, item])] : list.filter((x) => x !== item);
}

function LabelsCondition(props: {
  value: NonNullable<SegmentFilter['labels']>;
  onChange: (value: NonNullable<SegmentFilter['labels']>) => void;
  onRemove: () => void;
}) {
  const labels = useQuery(labelsQuery);
  return (
    <Condition legend={t('segments.condition.labels')} onRemove={props.onRemove}>
      <label>
        {t('segments.labels.match')}
        <select
          value={props.value.match}
          onChange={(e) => props.onChange({ ...props.value, match: e.target.value as 'any' | 'all' })}
        >
          <option value="any">{t('segments.labels.any')}</option>
          <option value="all">{t('segments.labels.all')}</option>
        </select>
      </label>
      {labels.data?.length === 0 && <p className="muted">{t('segments.labels.none')}</p>}
      {labels.data?.map((label) => (
        <label key={label.id} className="checkbox">
          <input
            type="checkbox"
            checked={props.value.labelIds.includes(label.id)}
            onChange={(e) =>
              props.onChange({
                ...props.value,
                labelIds: toggle(props.value.labelIds, label.id, e.target.checked),
              })
            }
          />
          {label.name}
        </label>
      ))}
    </Condition>
  );
}

function StagesCondition(props: {
  value: string[];
  onChange: (value: string[]) => void;
  onRemove: () => void;
}) {
  const stages = useStages();
  return (
    <Condition legend={t('segments.condition.stage')} onRemove={props.onRemove}>
      {stages.data?.map((stage) => (
        <label key={stage.id} className="checkbox">
          <input
            type="checkbox"
            checked={props.value.includes(stage.id)}
            onChange={(e) => props.onChange(toggle(props.value, stage.id, e.target.checked))}
          />
          {stage.name}
        </label>
      ))}
    </Condition>
  );
}

function SourcesCondition(props: {
  value: string[];
  onChange: (value: string[]) => void;
  onRemove: () => void;
}) {
  return (
    <Condition legend={t('segments.condition.source')} onRemove={props.onRemove}>
      {SOURCES.map((source) => (
        <label key={source} className="checkbox">
          <input
            type="checkbox"
            checked={props.value.includes(source)}
            onChange={(e) => props.onChange(toggle(props.value, source, e.target.checked))}
          />
          {sourceLabel(source)}
        </label>
      ))}
    </Condition>
  );
}

function FieldConditionRow(props: {
  index: number;
  value: FieldCondition;
  onChange: (value: FieldCondition) => void;
  onRemove: () => void;
}) {
  const fields = useCustomFields();
  const field = fields.data?.find((f) => f.key === props.value.key);
  const ops = field ? OPS_BY_TYPE[field.type] : OPS_BY_TYPE.text;
  const needsValue = props.value.op !== 'empty' && props.value.op !== 'not_empty';
  const legend = t('segments.field.legend', { number: props.index + 1 });
  return (
    <Condition legend={legend} onRemove={props.onRemove}>
      {fields.data?.length === 0 && <p className="muted">{t('segments.field.none')}</p>}
      <label>
        {t('segments.field.field')}
        <select
          value={props.value.key}
          onChange={(e) => props.onChange({ key: e.target.value, op: 'equals', value: '' })}
        >
          <option value="">{t('segments.field.choose')}</option>
          {fields.data?.map((f) => (
            <option key={f.key} value={f.key}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('segments.field.comparison')}
        <select
          value={props.value.op}
          onChange={(e) => props.onChange({ ...props.value, op: e.target.value as FieldOp })}
        >
          {ops.map((op) => (
            <option key={op} value={op}>
              {opLabel(op)}
            </option>
          ))}
        </select>
      </label>
      {needsValue && field && (
        <FieldValueInput
          field={field}
          value={props.value.value}
          onChange={(value) => props.onChange({ ...props.value, value })}
        />
      )}
    </Condition>
  );
}

function FieldValueInput(props: {
  field: CustomField;
  value: FieldCondition['value'];
  onChange: (value: FieldCondition['value']) => void;
}) {
  const { field } = props;
  if (field.type === 'select' || field.type === 'boolean') {
    const options = field.type === 'boolean' ? ['true', 'false'] : field.options;
    return (
      <label>
        {t('segments.field.value')}
        <select
          value={props.value === undefined ? '' : String(props.value)}
          onChange={(e) =>
            props.onChange(
              field.type === 'boolean'
                ? e.target.value === ''
                  ? ''
                  : e.target.value === 'true'
                : e.target.value,
            )
          }
        >
          <option value="">{t('segments.field.chooseValue')}</option>
          {options.map((option) => (
            <option key={option} value={option}>
              {field.type === 'boolean' ? (option === 'true' ? t('segments.yes') : t('segments.no')) : option}
            </option>
          ))}
        </select>
      </label>
    );
  }
  return (
    <label>
      {t('segments.field.value')}
      <input
        type={field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text'}
        value={props.value === undefined ? '' : String(props.value)}
        onChange={(e) =>
          props.onChange(
            field.type === 'number' && e.target.value !== '' ? Number(e.target.value) : e.target.value,
          )
        }
      />
    </label>
  );
}

type Bound = 'withinDays' | 'olderThanDays' | 'after' | 'before';
const BOUNDS: Bound[] = ['withinDays', 'olderThanDays', 'after', 'before'];
const boundLabel = (bound: Bound): string =>
  ({
    withinDays: t('segments.activity.withinDays'),
    olderThanDays: t('segments.activity.olderThanDays'),
    after: t('segments.activity.after'),
    before: t('segments.activity.before'),
  })[bound];

function ActivityCondition(props: {
  value: LastActivity;
  onChange: (value: LastActivity) => void;
  onRemove: () => void;
}) {
  const bound = BOUNDS.find((b) => props.value[b] !== undefined) ?? 'withinDays';
  const current = props.value[bound];
  const set = (next: Bound, value: string | number | undefined) =>
    props.onChange({
      direction: props.value.direction,
      ...(value === undefined || value === '' ? {} : { [next]: value }),
    } as LastActivity);
  return (
    <Condition legend={t('segments.condition.lastActivity')} onRemove={props.onRemove}>
      <label>
        {t('segments.activity.messages')}
        <select
          value={props.value.direction}
          onChange={(e) =>
            props.onChange({ ...props.value, direction: e.target.value as LastActivity['direction'] })
          }
        >
          <option value="any">{t('segments.activity.any')}</option>
          <option value="inbound">{t('segments.activity.inbound')}</option>
          <option value="outbound">{t('segments.activity.outbound')}</option>
        </select>
      </label>
      <label>
        {t('segments.activity.when')}
        <select
          value={bound}
          onChange={(e) => set(e.target.value as Bound, e.target.value.endsWith('Days') ? 30 : undefined)}
        >
          {BOUNDS.map((b) => (
            <option key={b} value={b}>
              {boundLabel(b)}
            </option>
          ))}
        </select>
      </label>
      {bound.endsWith('Days') ? (
        <label>
          {t('segments.activity.days')}
          <input
            type="number"
            min={1}
            max={3650}
            value={current === undefined ? '' : String(current)}
            onChange={(e) => set(bound, e.target.value === '' ? undefined : Number(e.target.value))}
          />
        </label>
      ) : (
        <label>
          {t('segments.activity.date')}
          <input
            type="date"
            value={typeof current === 'string' ? current.slice(0, 10) : ''}
            onChange={(e) =>
              set(bound, e.target.value ? new Date(`${e.target.value}T00:00:00`).toISOString() : undefined)
            }
          />
        </label>
      )}
    </Condition>
  );
}

function ImportCondition(props: {
  importId: string;
  change: SegmentFilter['importChange'];
  onChange: (importId: string, change: SegmentFilter['importChange']) => void;
  onRemove: () => void;
}) {
  const imports = useImports();
  return (
    <Condition legend={t('segments.condition.import')} onRemove={props.onRemove}>
      {imports.error ? <p className="muted">{t('segments.import.forbidden')}</p> : null}
      <label>
        {t('segments.import.import')}
        <select value={props.importId} onChange={(e) => props.onChange(e.target.value, props.change)}>
          <option value="">{t('segments.import.choose')}</option>
          {imports.data?.map((item) => (
            <option key={item.id} value={item.id}>
              {t('segments.import.option', {
                file: item.fileName,
                date: new Date(item.createdAt).toLocaleDateString(currentLocale()),
              })}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('segments.import.change')}
        <select
          value={props.change ?? ''}
          onChange={(e) =>
            props.onChange(props.importId, (e.target.value || undefined) as SegmentFilter['importChange'])
          }
        >
          <option value="">{t('segments.import.either')}</option>
          <option value="created">{t('segments.import.created')}</option>
          <option value="updated">{t('segments.import.updated')}</option>
        </select>
      </label>
    </Condition>
  );
}
