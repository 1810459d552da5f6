import { useState } from 'react';
import { api } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { AccountCard, Done } from './fields';
import { useSubmit } from './use-submit';

type Outcome = 'verified' | 'changed';

/**
 * `/verify-email#token=…`: confirms the address, or completes an address change. It waits for a click
 * rather than posting on load: mail scanners that open links and run their script must not confirm.
 */
export function VerifyEmail(props: { token: string; onDone: () => Promise<void> }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const { busy, error, submit } = useSubmit(async () => {
    const answer = await api<{ outcome: Outcome }>('POST', '/auth/verify-email', { token: props.token });
    setOutcome(answer.outcome);
    await props.onDone().catch(() => undefined);
  });

  if (outcome) {
    return (
      <AccountCard title="Address confirmed">
        <Done next={{ to: '/inbox', label: 'Continue to Leadline' }}>
          {outcome === 'changed'
            ? 'Your sign-in address has been changed. Use the new address from now on.'
            : 'Your e-mail address is confirmed.'}
        </Done>
      </AccountCard>
    );
  }
  return (
    <AccountCard title="Confirm e-mail address" onSubmit={submit}>
      <p className="muted">Confirm that this e-mail address is yours.</p>
      <ErrorNote message={error} />
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        Confirm address
      </button>
    </AccountCard>
  );
}
