import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, describeError, withQuery } from '../api/client';
import { labelsQuery, membersQuery } from '../api/queries';
import type { Page, Role } from '../api/types';
import { Empty, ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { useView } from '../common/view';
import type { Stage } from '../contacts/contact-api';
import { t } from '../i18n/i18n';
import {
  type Action,
  actionNames,
  CAMPAIGN_EVENTS,
  campaignEventLabel,
  type DryRunEntry,
  describeTrigger,
  type KillSwitch,
  QUOTE_STATUSES,
  quoteStatusLabel,
  type Rule,
  type RuleInput,
  type Run,
  type Trigger,
  triggerNames,
  weekdays,
} from './automation-types';
import './automations.css';

const KEYS = {
  rules: ['automations'] as const,
  killSwitch: ['automations', 'kill-switch'] as const,
  runs: (id: string) => ['automations', 'runs', id] as const,
};

/**
 * Automations: the workspace's kill switch, its rules (trigger, condition, actions), a dry run of who a rule
 * would touch now, and each rule's history. Admins write rules; everyone may stop everything.
 */
export function Automations(props: { role: Role }) {
  const heading = useView(t('automations.title'));
  const canManage = props.role !== 'agent';
  const client = useQueryClient();
  const rules = useInfiniteQuery({
    queryKey: KEYS.rules,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<Rule>>('GET', withQuery('/automations', { limit: 25, cursor: pageParam }), undefined, {
        signal,
      }),
    getNextPageParam: (last) => last.nextCursor,
  });
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const items = rules.data?.pages.flatMap((page) => page.items) ?? null;
  const refresh = () => client.invalidateQueries({ queryKey: KEYS.rules });

  return (
    <div className="automations">
      <h1 tabIndex={-1} ref={heading}>
        {t('automations.title')}
      </h1>
      <p className="muted">{t('automations.intro')}</p>
      <KillSwitchPanel canLift={canManage} />
      <ErrorNote message={error ?? (rules.error ? describeError(rules.error) : null)} />
      {canManage && editing === null && (
        <button type="button" onClick={() => setEditing('new')}>
          {t('automations.newRule')}
        </button>
      )}
      {editing !== null && (
        <RuleEditor
          rule={editing === 'new' ? null : editing}
          onDone={async () => {
            setEditing(null);
            await refresh();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {items && items.length === 0 && (
        <Empty title={t('automations.empty')}>{t('automations.emptyHint')}</Empty>
      )}
      <ul className="automation-list" aria-label={t('automations.rules')}>
        {(items ?? []).map((rule) => (
          <RuleCard
            key={rule.id}
            rule={rule}
            canManage={canManage}
            onEdit={() => setEditing(rule)}
            onChanged={refresh}
            onError={setError}
          />
        ))}
      </ul>
      {rules.hasNextPage && (
        <button type="button" onClick={() => void rules.fetchNextPage()}>
          {t('automations.showMoreRules')}
        </button>
      )}
    </div>
  );
}

function KillSwitchPanel(props: { canLift: boolean }) {
  const client = useQueryClient();
  const state = useQuery({
    queryKey: KEYS.killSwitch,
    queryFn: ({ signal }) => api<KillSwitch>('GET', '/automations/kill-switch', undefined, { signal }),
  });
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const reasonId = useId();
  const change = async (method: 'POST' | 'DELETE') => {
    try {
      const body = method === 'POST' ? (reason.trim() ? { reason: reason.trim() } : {}) : undefined;
      client.setQueryData(KEYS.killSwitch, await api<KillSwitch>(method, '/automations/kill-switch', body));
      setError(null);
      setReason('');
      // The banner (session) and the plan page say why the bot and campaigns stopped.
      await client.invalidateQueries();
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  const halted = state.data?.halted ?? false;
  return (
    <section
      className={`card kill-switch${halted ? ' kill-switch-halted' : ''}`}
      aria-labelledby={`${reasonId}-h`}
    >
      <h2 id={`${reasonId}-h`}>{t('automations.kill.title')}</h2>
      <ErrorNote message={error ?? (state.error ? describeError(state.error) : null)} />
      {state.data && halted && (
        <>
          <p role="status">
            {state.data.haltedAt
              ? state.data.reason
                ? t('automations.kill.haltedSinceReason', {
                    since: fullTime(state.data.haltedAt),
                    reason: state.data.reason,
                  })
                : t('automations.kill.haltedSince', { since: fullTime(state.data.haltedAt) })
              : state.data.reason
                ? t('automations.kill.haltedReason', { reason: state.data.reason })
                : t('automations.kill.halted')}
          </p>
          {props.canLift ? (
            <button type="button" onClick={() => void change('DELETE')}>
              {t('automations.kill.resume')}
            </button>
          ) : (
            <p className="muted">{t('automations.kill.adminResumes')}</p>
          )}
        </>
      )}
      {state.data && !halted && (
        <>
          <p role="status">{t('automations.kill.running')}</p>
          <label htmlFor={reasonId}>{t('automations.kill.reason')}</label>
          <input id={reasonId} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
          <button type="button" className="danger" onClick={() => void change('POST')}>
            {t('automations.kill.stop')}
          </button>
        </>
      )}
    </section>
  );
}

function RuleCard(props: {
  rule: Rule;
  canManage: boolean;
  onEdit: () => void;
  onChanged: () => Promise<void>;
  onError: (message: string | null) => void;
}) {
  const { rule } = props;
  const [panel, setPanel] = useState<'dry-run' | 'history' | null>(null);
  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      props.onError(null);
      await props.onChanged();
    } catch (caught) {
      props.onError(describeError(caught));
    }
  };
  return (
    <li className="card automation-rule">
      <h2>{rule.name}</h2>
      <p>
        <span className={rule.enabled ? 'badge badge-on' : 'badge'}>
          {rule.enabled ? t('automations.enabled') : t('automations.disabled')}
        </span>{' '}
        {describeTrigger(rule.trigger)} → {rule.actions.map((a) => actionNames()[a.type]).join(', ')}
        <span className="muted"> · {t('automations.dailyCapShort', { count: rule.dailyCap })}</span>
      </p>
      <div className="actions">
        <button
          type="button"
          aria-pressed={panel === 'dry-run'}
          onClick={() => setPanel(panel === 'dry-run' ? null : 'dry-run')}
        >
          {t('automations.dryRun')}
        </button>
        <button
          type="button"
          aria-pressed={panel === 'history'}
          onClick={() => setPanel(panel === 'history' ? null : 'history')}
        >
          {t('automations.history')}
        </button>
        {props.canManage && (
          <>
            <button
              type="button"
              onClick={() =>
                void act(() => api('POST', `/automations/${rule.id}/${rule.enabled ? 'disable' : 'enable'}`))
              }
            >
              {rule.enabled ? t('automations.disable') : t('automations.enable')}
            </button>
            <button type="button" onClick={props.onEdit}>
              {t('automations.edit')}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (window.confirm(t('automations.confirmDelete', { name: rule.name }))) {
                  void act(() => api('DELETE', `/automations/${rule.id}`));
                }
              }}
            >
              {t('automations.delete')}
            </button>
          </>
        )}
      </div>
      {panel === 'dry-run' && <DryRun ruleId={rule.id} />}
      {panel === 'history' && <History ruleId={rule.id} />}
    </li>
  );
}

function DryRun(props: { ruleId: string }) {
  const result = useQuery({
    queryKey: ['automations', 'dry-run', props.ruleId],
    queryFn: ({ signal }) =>
      api<{ items: DryRunEntry[] }>('POST', `/automations/${props.ruleId}/dry-run`, undefined, { signal }),
    staleTime: 0,
  });
  if (result.error) return <ErrorNote message={describeError(result.error)} />;
  if (!result.data) return <p className="loading">{t('automations.looking')}</p>;
  const items = result.data.items;
  return (
    <section aria-label={t('automations.dryRunResults')}>
      <p role="status">
        {items.length === 0
          ? t('automations.dryRunNobody')
          : t('automations.dryRunCount', { count: items.length })}
      </p>
      <ul className="dry-run">
        {items.map((entry) => (
          <li key={`${entry.contactId}-${entry.windowKey}`}>
            {entry.name ?? t('automations.unnamedContact')}
            <span className="muted"> · {t('automations.since', { time: fullTime(entry.at) })}</span>
            {entry.alreadyDone && <span className="muted"> · {t('automations.alreadyDone')}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function History(props: { ruleId: string }) {
  const runs = useInfiniteQuery({
    queryKey: KEYS.runs(props.ruleId),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<Page<Run>>(
        'GET',
        withQuery(`/automations/${props.ruleId}/runs`, { limit: 25, cursor: pageParam }),
        undefined,
        {
          signal,
        },
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  if (runs.error) return <ErrorNote message={describeError(runs.error)} />;
  const items = runs.data?.pages.flatMap((page) => page.items) ?? null;
  if (!items) return <p className="loading">{t('common.loading')}</p>;
  return (
    <section aria-label={t('automations.runHistory')}>
      {items.length === 0 && <p>{t('automations.noRun')}</p>}
      <ul className="run-history">
        {items.map((run) => (
          <li key={run.id}>
            {fullTime(run.createdAt)} · {runStatusLabel(run.status)}
            {run.skipReason ? ` (${run.skipReason.replace('_', ' ')})` : ''}
            {run.error ? ` — ${run.error}` : ''}
            {run.outcomes.length > 0 && (
              <span className="muted">
                {' '}
                ·{' '}
                {run.outcomes
                  .map(
                    (o) =>
                      `${actionNames()[o.type as Action['type']] ?? o.type}: ${o.reason ?? runStatusLabel(o.outcome)}`,
                  )
                  .join('; ')}
              </span>
            )}
          </li>
        ))}
      </ul>
      {runs.hasNextPage && (
        <button type="button" onClick={() => void runs.fetchNextPage()}>
          {t('automations.showMoreRuns')}
        </button>
      )}
    </section>
  );
}

const runStatusLabel = (status: Run['status']): string =>
  ({
    pending: t('automations.run.pending'),
    done: t('automations.run.done'),
    skipped: t('automations.run.skipped'),
    failed: t('automations.run.failed'),
  })[status] ?? status;

const DEFAULT_TRIGGERS: Record<Trigger['type'], Trigger> = {
  silence: { type: 'silence', lastMessage: 'outbound', hours: 24 },
  stage_entered: { type: 'stage_entered', stageId: '', afterHours: 0 },
  quote_status: { type: 'quote_status', status: 'sent', afterHours: 48 },
  campaign_event: { type: 'campaign_event', event: 'replied' },
  schedule: { type: 'schedule', frequency: 'daily', time: '09:00' },
};

const DEFAULT_ACTIONS: Record<Action['type'], Action> = {
  send_template: { type: 'send_template', template: { name: '', language: 'en', variables: [] } },
  send_sms: { type: 'send_sms', text: '' },
  assign: { type: 'assign', userId: null },
  move_stage: { type: 'move_stage', stageId: '' },
  add_label: { type: 'add_label', labelId: '' },
  notify: { type: 'notify', userIds: [], title: '' },
  hubspot_task: { type: 'hubspot_task', subject: '', dueInHours: 24 },
};

function useOptions() {
  const stages = useQuery({
    queryKey: ['list', '/pipeline/stages'],
    queryFn: async ({ signal }) =>
      (await api<{ items: Stage[] }>('GET', '/pipeline/stages', undefined, { signal })).items,
  });
  const segments = useQuery({
    queryKey: ['list', '/segments'],
    queryFn: async ({ signal }) =>
      (
        await api<{ items: { id: string; name: string }[] }>('GET', '/segments?limit=100', undefined, {
          signal,
        })
      ).items,
    retry: false,
  });
  const labels = useQuery(labelsQuery);
  const members = useQuery(membersQuery);
  return {
    stages: stages.data ?? [],
    segments: segments.data ?? [],
    labels: labels.data ?? [],
    members: members.data ?? [],
  };
}

function RuleEditor(props: { rule: Rule | null; onDone: () => Promise<void>; onCancel: () => void }) {
  const options = useOptions();
  const id = useId();
  const [input, setInput] = useState<RuleInput>(
    props.rule
      ? {
          name: props.rule.name,
          trigger: props.rule.trigger,
          segmentId: props.rule.segmentId,
          actions: props.rule.actions,
          dailyCap: props.rule.dailyCap,
        }
      : {
          name: '',
          trigger: DEFAULT_TRIGGERS.silence,
          segmentId: null,
          actions: [DEFAULT_ACTIONS.send_template],
          dailyCap: 100,
        },
  );
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const trigger = input.trigger;
  const setTrigger = (next: Trigger) => setInput({ ...input, trigger: next });
  const setAction = (index: number, next: Action) =>
    setInput({ ...input, actions: input.actions.map((a, i) => (i === index ? next : a)) });

  const save = async () => {
    setSaving(true);
    try {
      if (props.rule) await api('PUT', `/automations/${props.rule.id}`, input);
      else await api('POST', '/automations', input);
      setError(null);
      await props.onDone();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="card rule-editor"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <h2 id={`${id}-title`}>
        {props.rule ? t('automations.editTitle', { name: props.rule.name }) : t('automations.newRule')}
      </h2>
      <ErrorNote message={error} />
      <label htmlFor={`${id}-name`}>{t('automations.ruleName')}</label>
      <input
        id={`${id}-name`}
        required
        maxLength={120}
        value={input.name}
        onChange={(e) => setInput({ ...input, name: e.target.value })}
      />

      <fieldset>
        <legend>{t('automations.triggerLegend')}</legend>
        <label htmlFor={`${id}-trigger`}>{t('automations.when')}</label>
        <select
          id={`${id}-trigger`}
          value={trigger.type}
          onChange={(e) => setTrigger(DEFAULT_TRIGGERS[e.target.value as Trigger['type']])}
        >
          {Object.entries(triggerNames()).map(([value, name]) => (
            <option key={value} value={value}>
              {name}
            </option>
          ))}
        </select>
        {trigger.type === 'silence' && (
          <>
            <label htmlFor={`${id}-last`}>{t('automations.lastMessageFrom')}</label>
            <select
              id={`${id}-last`}
              value={trigger.lastMessage}
              onChange={(e) =>
                setTrigger({ ...trigger, lastMessage: e.target.value as 'inbound' | 'outbound' })
              }
            >
              <option value="outbound">{t('automations.lastMessage.outbound')}</option>
              <option value="inbound">{t('automations.lastMessage.inbound')}</option>
            </select>
            <NumberField
              id={`${id}-hours`}
              label={t('automations.silenceHours')}
              value={trigger.hours}
              min={1}
              onChange={(hours) => setTrigger({ ...trigger, hours })}
            />
          </>
        )}
        {trigger.type === 'stage_entered' && (
          <>
            <StageSelect
              id={`${id}-stage`}
              label={t('automations.stage')}
              stages={options.stages}
              value={trigger.stageId}
              onChange={(stageId) => setTrigger({ ...trigger, stageId })}
            />
            <NumberField
              id={`${id}-after`}
              label={t('automations.hoursAfterEntering')}
              value={trigger.afterHours}
              min={0}
              onChange={(afterHours) => setTrigger({ ...trigger, afterHours })}
            />
          </>
        )}
        {trigger.type === 'quote_status' && (
          <>
            <label htmlFor={`${id}-qs`}>{t('automations.trigger.quoteStatus')}</label>
            <select
              id={`${id}-qs`}
              value={trigger.status}
              onChange={(e) => setTrigger({ ...trigger, status: e.target.value })}
            >
              {QUOTE_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {quoteStatusLabel(status)}
                </option>
              ))}
            </select>
            <NumberField
              id={`${id}-qh`}
              label={t('automations.forAtLeastHours')}
              value={trigger.afterHours}
              min={0}
              onChange={(afterHours) => setTrigger({ ...trigger, afterHours })}
            />
          </>
        )}
        {trigger.type === 'campaign_event' && (
          <>
            <label htmlFor={`${id}-ce`}>{t('automations.event')}</label>
            <select
              id={`${id}-ce`}
              value={trigger.event}
              onChange={(e) => setTrigger({ ...trigger, event: e.target.value })}
            >
              {CAMPAIGN_EVENTS.map((event) => (
                <option key={event} value={event}>
                  {campaignEventLabel(event)}
                </option>
              ))}
            </select>
          </>
        )}
        {trigger.type === 'schedule' && (
          <>
            <label htmlFor={`${id}-freq`}>{t('automations.repeat')}</label>
            <select
              id={`${id}-freq`}
              value={trigger.frequency}
              onChange={(e) =>
                setTrigger(
                  e.target.value === 'weekly'
                    ? { ...trigger, frequency: 'weekly', weekday: 1 }
                    : { type: 'schedule', frequency: 'daily', time: trigger.time },
                )
              }
            >
              <option value="daily">{t('automations.daily')}</option>
              <option value="weekly">{t('automations.weekly')}</option>
            </select>
            {trigger.frequency === 'weekly' && (
              <>
                <label htmlFor={`${id}-wd`}>{t('automations.day')}</label>
                <select
                  id={`${id}-wd`}
                  value={trigger.weekday ?? 1}
                  onChange={(e) => setTrigger({ ...trigger, weekday: Number(e.target.value) })}
                >
                  {weekdays().map((day, index) => (
                    <option key={day} value={index}>
                      {day}
                    </option>
                  ))}
                </select>
              </>
            )}
            <label htmlFor={`${id}-time`}>{t('automations.time')}</label>
            <input
              id={`${id}-time`}
              type="time"
              required
              value={trigger.time}
              onChange={(e) => setTrigger({ ...trigger, time: e.target.value })}
            />
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>{t('automations.condition')}</legend>
        <label htmlFor={`${id}-segment`}>{t('automations.segment')}</label>
        <select
          id={`${id}-segment`}
          value={input.segmentId ?? ''}
          onChange={(e) => setInput({ ...input, segmentId: e.target.value || null })}
        >
          <option value="">{t('automations.everyContact')}</option>
          {options.segments.map((segment) => (
            <option key={segment.id} value={segment.id}>
              {segment.name}
            </option>
          ))}
        </select>
      </fieldset>

      <fieldset>
        <legend>{t('automations.actionsLegend')}</legend>
        {input.actions.map((action, index) => (
          <ActionEditor
            // biome-ignore lint/suspicious/noArrayIndexKey: actions have no identity but their position
            key={index}
            id={`${id}-a${index}`}
            index={index}
            action={action}
            options={options}
            onChange={(next) => setAction(index, next)}
            onRemove={
              input.actions.length > 1
                ? () => setInput({ ...input, actions: input.actions.filter((_, i) => i !== index) })
                : undefined
            }
          />
        ))}
        {input.actions.length < 10 && (
          <button
            type="button"
            onClick={() => setInput({ ...input, actions: [...input.actions, DEFAULT_ACTIONS.notify] })}
          >
            {t('automations.addAction')}
          </button>
        )}
      </fieldset>

      <NumberField
        id={`${id}-cap`}
        label={t('automations.dailyCap')}
        value={input.dailyCap}
        min={1}
        onChange={(dailyCap) => setInput({ ...input, dailyCap })}
      />
      <div className="actions">
        <button type="submit" disabled={saving}>
          {props.rule ? t('automations.saveRule') : t('automations.createRule')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
      {!props.rule && <p className="muted">{t('automations.newRuleHint')}</p>}
    </form>
  );
}

function ActionEditor(props: {
  id: string;
  index: number;
  action: Action;
  options: ReturnType<typeof useOptions>;
  onChange: (action: Action) => void;
  onRemove: (() => void) | undefined;
}) {
  const { id, action, options, onChange } = props;
  return (
    <fieldset className="action-editor">
      <legend>{t('automations.actionNumber', { number: props.index + 1 })}</legend>
      <label htmlFor={`${id}-type`}>{t('automations.do')}</label>
      <select
        id={`${id}-type`}
        value={action.type}
        onChange={(e) => onChange(DEFAULT_ACTIONS[e.target.value as Action['type']])}
      >
        {Object.entries(actionNames()).map(([value, name]) => (
          <option key={value} value={value}>
            {name}
          </option>
        ))}
      </select>
      {action.type === 'send_template' && (
        <>
          <label htmlFor={`${id}-tpl`}>{t('automations.templateName')}</label>
          <input
            id={`${id}-tpl`}
            required
            pattern="[a-z0-9_]+"
            value={action.template.name}
            onChange={(e) => onChange({ ...action, template: { ...action.template, name: e.target.value } })}
          />
          <label htmlFor={`${id}-lang`}>{t('automations.templateLanguage')}</label>
          <input
            id={`${id}-lang`}
            required
            value={action.template.language}
            onChange={(e) =>
              onChange({ ...action, template: { ...action.template, language: e.target.value } })
            }
          />
          <label className="check">
            <input
              type="checkbox"
              checked={action.template.variables.length > 0}
              onChange={(e) =>
                onChange({
                  ...action,
                  template: {
                    ...action.template,
                    variables: e.target.checked ? [{ source: 'contact.firstName', fallback: 'there' }] : [],
                  },
                })
              }
            />{' '}
            {t('automations.fillFirstName', { placeholder: '{{1}}', fallback: 'there' })}
          </label>
        </>
      )}
      {action.type === 'send_sms' && (
        <>
          <label htmlFor={`${id}-sms`}>{t('automations.smsText')}</label>
          <textarea
            id={`${id}-sms`}
            required
            maxLength={1600}
            value={action.text}
            onChange={(e) => onChange({ ...action, text: e.target.value })}
          />
        </>
      )}
      {action.type === 'assign' && (
        <>
          <label htmlFor={`${id}-user`}>{t('automations.assignTo')}</label>
          <select
            id={`${id}-user`}
            value={action.userId ?? ''}
            onChange={(e) => onChange({ ...action, userId: e.target.value || null })}
          >
            <option value="">{t('automations.nobody')}</option>
            {options.members.map((member) => (
              <option key={member.userId} value={member.userId}>
                {member.displayName ?? member.email}
              </option>
            ))}
          </select>
        </>
      )}
      {action.type === 'move_stage' && (
        <StageSelect
          id={`${id}-stage`}
          label={t('automations.stage')}
          stages={options.stages}
          value={action.stageId}
          onChange={(stageId) => onChange({ ...action, stageId })}
        />
      )}
      {action.type === 'add_label' && (
        <>
          <label htmlFor={`${id}-label`}>{t('automations.label')}</label>
          <select
            id={`${id}-label`}
            required
            value={action.labelId}
            onChange={(e) => onChange({ ...action, labelId: e.target.value })}
          >
            <option value="">{t('automations.chooseLabel')}</option>
            {options.labels.map((label) => (
              <option key={label.id} value={label.id}>
                {label.name}
              </option>
            ))}
          </select>
        </>
      )}
      {action.type === 'notify' && (
        <>
          <label htmlFor={`${id}-title`}>{t('automations.notification')}</label>
          <input
            id={`${id}-title`}
            required
            maxLength={200}
            value={action.title}
            onChange={(e) => onChange({ ...action, title: e.target.value })}
          />
          <p className="muted">{t('automations.notificationHint')}</p>
        </>
      )}
      {action.type === 'hubspot_task' && (
        <>
          <label htmlFor={`${id}-subject`}>{t('automations.taskSubject')}</label>
          <input
            id={`${id}-subject`}
            required
            maxLength={200}
            value={action.subject}
            onChange={(e) => onChange({ ...action, subject: e.target.value })}
          />
          <NumberField
            id={`${id}-due`}
            label={t('automations.dueInHours')}
            value={action.dueInHours}
            min={0}
            onChange={(dueInHours) => onChange({ ...action, dueInHours })}
          />
        </>
      )}
      {props.onRemove && (
        <button type="button" onClick={props.onRemove}>
          {t('automations.removeAction', { number: props.index + 1 })}
        </button>
      )}
    </fieldset>
  );
}

function StageSelect(props: {
  id: string;
  label: string;
  stages: Stage[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} required value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{t('automations.chooseStage')}</option>

        {props.stages.map((stage) => (
          <option key={stage.id} value={stage.id}>
            {stage.name}
          </option>
        ))}
      </select>
    </>
  );
}

function NumberField(props: {
  id: string;
  label: string;
  value: number;
  min: number;
  onChange: (value: number) => void;
}) {
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        required
        min={props.min}
        value={Number.isFinite(props.value) ? props.value : ''}
        onChange={(e) => props.onChange(e.target.valueAsNumber)}
      />
    </>
  );
}
