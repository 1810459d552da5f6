import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { SecondFactorField, useSecondFactor } from '../auth/fields';
import { useReauthentication } from '../auth/Reauthenticate';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../common/feedback';
import { rich, t } from '../i18n/i18n';

interface Status {
  enabled: boolean;
  recoveryCodesLeft: number;
}
interface Setup {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}
type Step = { kind: 'idle' } | { kind: 'setup'; setup: Setup } | { kind: 'codes'; codes: string[] };

const statusKey = ['two-factor'] as const;

/**
 * Two-factor authentication of the signed-in person: enrolment with a QR code (drawn by the server as
 * a data: URL, so no QR library reaches the browser), confirmation with a first code, recovery codes
 * shown once, new recovery codes, and turning it off. Each change asks for the password again when the
 * sign-in is not recent.
 */
export function TwoFactor() {
  const client = useQueryClient();
  const status = useQuery({
    queryKey: statusKey,
    queryFn: ({ signal }) => api<Status>('GET', '/auth/two-factor', undefined, { signal }),
  });
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [proofFor, setProofFor] = useState<'disable' | 'regenerate' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { guard, dialog } = useReauthentication();
  const refresh = () => client.invalidateQueries({ queryKey: statusKey });

  const start = useSubmit(async () => {
    setDone(null);
    const setup = await guard(() => api<Setup>('POST', '/auth/two-factor/setup'));
    setStep({ kind: 'setup', setup });
  });

  return (
    <section className="card settings-form" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title">{t('auth.twoFactor')}</h2>
      {status.data && step.kind === 'idle' && (
        <p>
          {status.data.enabled
            ? t('twoFactor.on', { count: status.data.recoveryCodesLeft })
            : t('twoFactor.off')}
        </p>
      )}
      <ErrorNote message={start.error} />
      {done && (
        <p className="saved" role="status">
          {done}
        </p>
      )}
      {step.kind === 'setup' && (
        <Enrol
          setup={step.setup}
          onCancel={() => setStep({ kind: 'idle' })}
          onEnabled={(codes) => {
            setStep({ kind: 'codes', codes });
            void refresh();
          }}
        />
      )}
      {step.kind === 'codes' && (
        <RecoveryCodes
          codes={step.codes}
          onDone={() => {
            setStep({ kind: 'idle' });
            setDone(t('twoFactor.turnedOn'));
          }}
        />
      )}
      {step.kind === 'idle' && status.data && !status.data.enabled && (
        <button
          type="button"
          className="primary"
          aria-disabled={start.busy || undefined}
          onClick={() => void start.submit()}
        >
          {t('twoFactor.setUp')}
        </button>
      )}
      {step.kind === 'idle' && status.data?.enabled && proofFor === null && (
        <div className="button-row">
          <button type="button" onClick={() => setProofFor('regenerate')}>
            {t('twoFactor.newCodes')}
          </button>
          <button type="button" className="danger" onClick={() => setProofFor('disable')}>
            {t('twoFactor.turnOffLong')}
          </button>
        </div>
      )}
      {step.kind === 'idle' && proofFor && (
        <ProveAndChange
          purpose={proofFor}
          guard={guard}
          onCancel={() => setProofFor(null)}
          onDone={(codes) => {
            setProofFor(null);
            void refresh();
            if (codes) setStep({ kind: 'codes', codes });
            else setDone(t('twoFactor.turnedOff'));
          }}
        />
      )}
      {dialog}
    </section>
  );
}

function Enrol(props: { setup: Setup; onCancel: () => void; onEnabled: (codes: string[]) => void }) {
  const [code, setCode] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    const { recoveryCodes } = await api<{ recoveryCodes: string[] }>('POST', '/auth/two-factor/enable', {
      code: code.replace(/\s/g, ''),
    });
    props.onEnabled(recoveryCodes);
  });
  return (
    <form className="settings-form" onSubmit={(event: FormEvent) => void submit(event)}>
      <ol className="steps">
        <li>
          {t('twoFactor.scan')}
          <img
            className="qr-code"
            src={props.setup.qrCodeDataUrl}
            width={200}
            height={200}
            alt={t('twoFactor.qrAlt')}
          />
          <span className="muted">
            {t('twoFactor.cannotScan')} <code className="mono secret">{props.setup.secret}</code>
          </span>
        </li>
        <li>
          <label>
            {t('twoFactor.codeFromApp')}
            <input
              inputMode="numeric"
              autoComplete="one-time-code"
              required
              pattern="\s*[0-9](\s*[0-9]){5}\s*"
              value={code}
              onChange={(event) => setCode(event.target.value)}
            />
          </label>
        </li>
      </ol>
      <ErrorNote message={error} />
      <div className="button-row">
        <button type="submit" className="primary" aria-disabled={busy || undefined}>
          {t('twoFactor.turnOn')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function ProveAndChange(props: {
  purpose: 'disable' | 'regenerate';
  guard: <T>(work: () => Promise<T>) => Promise<T>;
  onCancel: () => void;
  onDone: (codes: string[] | null) => void;
}) {
  const secondFactor = useSecondFactor();
  const { busy, error, submit } = useSubmit(async () => {
    const proof = secondFactor.proof();
    if (props.purpose === 'disable') {
      await props.guard(() => api('POST', '/auth/two-factor/disable', proof));
      props.onDone(null);
    } else {
      const { recoveryCodes } = await props.guard(() =>
        api<{ recoveryCodes: string[] }>('POST', '/auth/two-factor/recovery-codes', proof),
      );
      props.onDone(recoveryCodes);
    }
  });
  return (
    <form className="settings-form" onSubmit={(event: FormEvent) => void submit(event)}>
      <p>{props.purpose === 'disable' ? t('twoFactor.turnOffHint') : t('twoFactor.newCodesHint')}</p>
      <SecondFactorField {...secondFactor.field} />
      <ErrorNote message={error} />
      <div className="button-row">
        <button
          type="submit"
          className={props.purpose === 'disable' ? 'danger' : 'primary'}
          aria-disabled={busy || undefined}
        >
          {props.purpose === 'disable' ? t('twoFactor.turnOff') : t('twoFactor.makeNewCodes')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Recovery codes, shown this once: copy them, download them, then confirm they are kept. */
function RecoveryCodes(props: { codes: string[]; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState(false);
  const [download, setDownload] = useState<string | null>(null);
  const text = `${props.codes.join('\n')}\n`;
  useEffect(() => {
    heading.current?.focus();
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    setDownload(url);
    return () => URL.revokeObjectURL(url);
  }, [text]);
  return (
    <div className="once">
      <h3 ref={heading} tabIndex={-1}>
        {t('twoFactor.codesTitle')}
      </h3>
      <p>{rich('twoFactor.codesHint', [(words) => <strong>{words}</strong>])}</p>
      <ul className="recovery-codes mono" aria-label={t('twoFactor.codes')}>
        {props.codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <div className="button-row">
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard.writeText(text).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {t('twoFactor.copy')}
        </button>
        {download && (
          <a className="button-link" href={download} download="leadline-recovery-codes.txt">
            {t('twoFactor.download')}
          </a>
        )}
        <button type="button" className="primary" onClick={props.onDone}>
          {t('twoFactor.saved')}
        </button>
      </div>
      {copied && (
        <p className="saved" role="status">
          {t('twoFactor.copied')}
        </p>
      )}
    </div>
  );
}
