import { useState } from 'react';
import { api, errorDetail } from '../api/client';
import { ErrorNote } from '../common/feedback';
import { t } from '../i18n/i18n';
import { AccountCard, Done, NewPasswordField, SecondFactorField, useSecondFactor } from './fields';
import { useSubmit } from './use-submit';

/**
 * `/reset-password#token=…`: a new password; for an account with two-factor authentication also a code
 * (the API asks for it, and keeps the link usable until the code is given). Every session ends, so the
 * page leads to sign-in.
 */
export function ResetPassword(props: { token: string; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const secondFactor = useSecondFactor();
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    const proof = needsCode ? secondFactor.proof('totpCode') : {};
    try {
      await api('POST', '/auth/password-reset/confirm', { token: props.token, password, ...proof });
    } catch (caught) {
      if (errorDetail(caught) === 'two_factor_required') setNeedsCode(true);
      throw caught;
    }
    setDone(true);
    props.onDone();
  });

  if (done) {
    return (
      <AccountCard title={t('auth.reset.done')}>
        <Done next={{ to: '/login', label: t('auth.signIn') }}>{t('auth.reset.doneText')}</Done>
      </AccountCard>
    );
  }
  return (
    <AccountCard title={t('auth.reset.title')} onSubmit={submit}>
      <NewPasswordField value={password} onChange={setPassword} />
      {needsCode && <SecondFactorField {...secondFactor.field} />}
      <ErrorNote message={error} />
      <button type="submit" className="primary" aria-disabled={busy || undefined}>
        {t('auth.reset.submit')}
      </button>
    </AccountCard>
  );
}
