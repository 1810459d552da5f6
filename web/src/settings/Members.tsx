import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import type { Invitation, Member, Role } from '../api/types';
import { ErrorNote } from '../common/feedback';
import { fullTime } from '../common/format';
import { attempt, useList } from './use-list';

export function Members(props: { canManage: boolean }) {
  const members = useList<Member>('/members?limit=100');
  return (
    <>
      <h1>Members</h1>
      <ErrorNote message={members.error} />
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Joined</th>
          </tr>
        </thead>
        <tbody>
          {(members.items ?? []).map((member) => (
            <tr key={member.userId}>
              <td>{member.displayName ?? '—'}</td>
              <td>{member.email}</td>
              <td>{member.role}</td>
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
      <h2>Invitations</h2>
      <ErrorNote message={error} />
      <ul className="rows">
        {(items ?? []).map((invitation) => (
          <li key={invitation.id} className="row">
            <span>{invitation.email}</span> <span className="tag">{invitation.role}</span>
            <span className="muted">expires {fullTime(invitation.expiresAt)}</span>
            <button
              type="button"
              onClick={() =>
                void attempt(() => api('DELETE', `/invitations/${invitation.id}`), setError, reload)
              }
            >
              Withdraw
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={invite}>
        <label>
          Email
          <input type="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            <option value="agent">Agent</option>
            <option value="admin">Admin</option>
          </select>
        </label>
        <button type="submit" className="primary">
          Invite
        </button>
      </form>
    </>
  );
}
