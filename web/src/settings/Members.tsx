import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { Invitation, Member, Role } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { t } from '../i18n/i18n';
import { attempt, useList } from './use-list';

/** A role as people read it. */
export const roleName = (role: Role): string =>
  ({ owner: t('members.role.owner'), admin: t('members.role.admin'), agent: t('members.role.agent') })[role];

export function Members(props: { canManage: boolean }) {
  const members = useList<Member>('/members?limit=100');
  return (
    <>
      <h1>{t('settings.page.members')}</h1>
      <ErrorNote message={members.error} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('members.name')}</th>
            <th>{t('members.email')}</th>
            <th>{t('members.role')}</th>
            <th>{t('members.joined')}</th>
          </tr>
        </thead>
        <tbody>
          {(members.items ?? []).map((member) => (
            <tr key={member.userId}>
              <td>{member.displayName ?? '—'}</td>
              <td>{member.email}</td>
              <td>{roleName(member.role)}</td>
              <td>{fullTime(member.joinedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.canManage && <Invitations />}
    </>
  );
}

function Invitations() {
  const { items, error, setError, reload } = useList<Invitation>('/invitations');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const invite = async (event: FormEvent) => {
    event.preventDefault();
    if (await attempt(() => api('POST', '/invitations', { email, role }), setError, reload)) setEmail('');
  };
  return (
    <>
      <h2>{t('members.invitations')}</h2>
      <ErrorNote message={error} />
      <ul className="rows">
        {(items ?? []).map((invitation) => (
          <li key={invitation.id} className="row">
            <span>{invitation.email}</span> <span className="tag">{roleName(invitation.role)}</span>
            <span className="muted">{t('members.expires', { when: fullTime(invitation.expiresAt) })}</span>
            <button
              type="button"
              onClick={() =>
                void attempt(() => api('DELETE', `/invitations/${invitation.id}`), setError, reload)
              }
            >
              {t('members.withdraw')}
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={invite}>
        <label>
          {t('members.email')}
          <input type="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          {t('members.role')}
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            <option value="agent">{roleName('agent')}</option>
            <option value="admin">{roleName('admin')}</option>
          </select>
        </label>
        <button type="submit" className="primary">
          {t('members.invite')}
        </button>
      </form>
    </>
  );
}
