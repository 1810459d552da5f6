import { type FormEvent, type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { useView } from '../common/view';
import { t } from '../i18n/i18n';

/** One labelled input of the sign-in and account pages. */
export function Field(props: {
  label: string;
  type: 'email' | 'password' | 'text';
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  hint?: string;
}) {
  return (
    <label>
      {props.label}
      <input
        type={props.type}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint && <span className="muted">{props.hint}</span>}
    </label>
  );
}

/** A password being chosen: the browser may suggest one; the server's rules are named up front. */
export function NewPasswordField(props: {
  label?: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field
      label={props.label ?? t('account.password.new')}
      type="password"
      autoComplete="new-password"
      hint={t('account.password.rule')}
      value={props.value}
      onChange={props.onChange}
    />
  );
}

/** The centred card the sign-in and account pages share. */
export function AccountCard(props: {
  title: string;
  children: ReactNode;
  onSubmit?: (event: FormEvent) => void;
}) {
  useView(props.title);
  const body = (
    <>
      <h1 id="account-title">{props.title}</h1>
      {props.children}
    </>
  );
  return (
    <main className="sign-in">
      {props.onSubmit ? (
        <form className="card sign-in-card" onSubmit={props.onSubmit} aria-labelledby="account-title">
          {body}
        </form>
      ) : (
        <section className="card sign-in-card" aria-labelledby="account-title">
          {body}
        </section>
      )}
    </main>
  );
}

/** A success message that leads on: what happened, and the one thing to do next. */
export function Done(props: { children: ReactNode; next: { to: string; label: string } }) {
  return (
    <>
      <p className="success-note" role="status">
        {props.children}
      </p>
      <Link to={props.next.to} className="button-link primary">
        {props.next.label}
      </Link>
    </>
  );
}

/** Shown when a page that needs a mailed token was opened without one. */
export function MissingToken(props: { what: string }) {
  return (
    <p role="alert" className="error-note">
      {t('auth.linkIncomplete', { what: props.what })}
    </p>
  );
}

/** A 6-digit code from the authenticator app, or a recovery code: the second factor of a form. */
export function SecondFactorField(props: {
  code: string;
  onChange: (code: string) => void;
  useRecovery: boolean;
  onToggle: () => void;
}) {
  return (
    <>
      <p className="muted">{props.useRecovery ? t('auth.recoveryHint') : t('auth.codeHint')}</p>
      <label>
        {props.useRecovery ? t('auth.recoveryCode') : t('auth.code')}
        <input
          // biome-ignore lint/a11y/noAutofocus: it replaces the field that had focus (the password step)
          autoFocus
          inputMode={props.useRecovery ? 'text' : 'numeric'}
          autoComplete="one-time-code"
          required
          value={props.code}
          onChange={(event) => props.onChange(event.target.value)}
        />
      </label>
      <button type="button" className="link-button" onClick={props.onToggle}>
        {props.useRecovery ? t('auth.useCode') : t('auth.useRecovery')}
      </button>
    </>
  );
}

/**
 * The state of a second-factor field: its props, and the body fields of the proof (the authenticator
 * code's field is `code` at sign-in and `totpCode` at password reset).
 */
export function useSecondFactor() {
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  return {
    field: { code, onChange: setCode, useRecovery, onToggle: () => setUseRecovery(!useRecovery) },
    proof: (codeField: 'code' | 'totpCode' = 'code'): Record<string, string> =>
      useRecovery ? { recoveryCode: code.trim() } : { [codeField]: code.replace(/\s/g, '') },
  };
}
