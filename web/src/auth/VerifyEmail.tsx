import { useState } from 'react';
import { api } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';
import { AccountCard, Done } from './fields';
import { useSubmit } from './use-submit';

type Outcome = 'verified' | 'changed';

/**
 * `/verify-email#token=…`: confirms the address, or completes an address change. It waits for a click
 * rather than posting on load: mail scanners that open links and run their script must not confirm.
 */
export function VerifyEmail(props: { token: string; onDone: () => Promise<unknown> }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const { busy, error, submit } = useSubmit(async () => {
    const answer = await api<{ outcome: Outcome }>('POST', '/auth/verify-email', { token: props.token });
    setOutcome(answer.outcome);
    await props.onDone().catch(() => undefined);
  });

  if (outcome) {
    return (
      <AccountCard title={t('auth.verifyEmail.done')}>
        <Done next={{ to: '/inbox', label: t('auth.verifyEmail.continue') }}>
          {outcome === 'changed' ? t('auth.verifyEmail.changed') : t('auth.verifyEmail.confirmed')}
        </Done>
      </AccountCard>
    );
  }
  return (
    <AccountCard title={t('auth.verifyEmail.title')} onSubmit={submit}>
      <p className="muted">{t('auth.verifyEmail.hint')}</p>
      <ErrorNote message={error} />
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        {t('auth.verifyEmail.submit')}
      </button>
    </AccountCard>
  );
}
