import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { Channel, Invitation, Member, Session } from '../api/types';
import { t } from '../i18n/i18n';
import './conversation.css';

interface Step {
  id: string;
  done: boolean;
  title: string;
  hint: string;
  action: { to: string; label: string } | { href: string; label: string };
}

const list =
  <T,>(path: string) =>
  async ({ signal }: { signal: AbortSignal }) =>
    (await api<{ items: T[] }>('GET', path, undefined, { signal })).items;

/** Where the dismissal is remembered: per user and workspace, in this browser. */
const dismissedKey = (session: Session) =>
  `leadline.first-run-dismissed.${session.user.id}.${session.activeTenant?.id ?? ''}`;

/**
 * What a new workspace still needs, each step read from the workspace's real state: a WhatsApp number,
 * the bot's settings, a teammate. Shown to owners and admins (who can do them) in an inbox without
 * conversations yet, until every step is done or they dismiss it. (Only then: its four requests would
 * otherwise weigh on every first load of the inbox.)
 */
export function FirstRunChecklist(props: { session: Session }) {
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(dismissedKey(props.session)) === '1');
  // Read afresh each time the checklist shows: its steps are done on other pages.
  const fresh = { staleTime: 0 } as const;
  const channels = useQuery({
    ...fresh,
    queryKey: ['first-run', 'channels'],
    queryFn: list<Channel>('/whatsapp/channels?limit=100'),
  });
  const members = useQuery({
    ...fresh,
    queryKey: ['first-run', 'members'],
    queryFn: list<Member>('/members?limit=100'),
  });
  const invitations = useQuery({
    ...fresh,
    queryKey: ['first-run', 'invitations'],
    queryFn: list<Invitation>('/invitations'),
  });
  const bot = useQuery({
    ...fresh,
    queryKey: ['first-run', 'qualifier-settings'],
    queryFn: ({ signal }) =>
      api<{ updatedAt: string | null }>('GET', '/agent/qualifier-settings', undefined, { signal }),
  });
  if (dismissed || !channels.data || !members.data || !invitations.data || !bot.data) return null;

  const steps: Step[] = [
    {
      id: 'whatsapp',
      done: channels.data.length > 0,
      title: t('firstRun.whatsapp.title'),
      hint: t('firstRun.whatsapp.hint'),
      action: { to: '/settings/channels', label: t('firstRun.whatsapp.action') },
    },
    {
      id: 'bot',
      done: bot.data.updatedAt !== null,
      title: t('firstRun.bot.title'),
      hint: t('firstRun.bot.hint'),
      action: { to: '/settings/bot', label: t('firstRun.bot.title') },
    },
    {
      id: 'teammate',
      done: members.data.length > 1 || invitations.data.length > 0,
      title: t('firstRun.teammate.title'),
      hint: t('firstRun.teammate.hint'),
      action: { to: '/settings/members', label: t('firstRun.teammate.action') },
    },
  ];
  const remaining = steps.filter((step) => !step.done).length;
  if (remaining === 0) return null;
  const dismiss = () => {
    localStorage.setItem(dismissedKey(props.session), '1');
    setDismissed(true);
  };
  return (
    <section className="card first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title">{t('firstRun.title')}</h2>
      <p className="muted">
        {t('firstRun.progress', { done: steps.length - remaining, total: steps.length })}
      </p>
      <ol className="first-run-steps">
        {steps.map((step) => (
          <li key={step.id} className={step.done ? 'done' : undefined}>
            <span className="first-run-state">{step.done ? '✓' : '○'}</span>
            <span>
              <strong>{step.title}</strong>
              {step.done ? (
                <span className="visually-hidden"> {t('firstRun.done')}</span>
              ) : (
                <span className="muted"> {step.hint}</span>
              )}
            </span>
            {!step.done &&
              ('to' in step.action ? (
                <Link to={step.action.to}>{step.action.label}</Link>
              ) : (
                <a href={step.action.href}>{step.action.label}</a>
              ))}
          </li>
        ))}
      </ol>
      <button type="button" className="link-button" onClick={dismiss}>
        {t('firstRun.dismiss')}
      </button>
    </section>
  );
}
