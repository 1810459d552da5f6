import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { SecondFactorField, useSecondFactor } from '../auth/fields';
import { useReauthentication } from '../auth/Reauthenticate';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../common/feedback';

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
      <h2 id="two-factor-title">Two-factor authentication</h2>
      {status.data && step.kind === 'idle' && (
        <p>
          {status.data.enabled
            ? `On. ${status.data.recoveryCodesLeft} of 10 recovery codes left.`
            : 'Off. Turn it on to sign in with a code from an authenticator app as well as your password.'}
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
            setDone('Two-factor authentication is on.');
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
          Set up two-factor authentication
        </button>
      )}
      {step.kind === 'idle' && status.data?.enabled && proofFor === null && (
        <div className="button-row">
          <button type="button" onClick={() => setProofFor('regenerate')}>
            New recovery codes
          </button>
          <button type="button" className="danger" onClick={() => setProofFor('disable')}>
            Turn off two-factor authentication
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
            else setDone('Two-factor authentication is off. Your other sessions were signed out.');
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
          Scan this code with an authenticator app (for example Google Authenticator, 1Password or Aegis).
          <img
            className="qr-code"
            src={props.setup.qrCodeDataUrl}
            width={200}
            height={200}
            alt="QR code to add Leadline to your authenticator app"
          />
          <span className="muted">
            Cannot scan it? Enter this key instead: <code className="mono secret">{props.setup.secret}</code>
          </span>
        </li>
        <li>
          <label>
            Code from the app
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
          Turn on
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
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
      <p>
        {props.purpose === 'disable'
          ? 'Turning it off signs you out everywhere else.'
          : 'New recovery codes replace the ones you have: the old ones stop working.'}
      </p>
      <SecondFactorField {...secondFactor.field} />
      <ErrorNote message={error} />
      <div className="button-row">
        <button
          type="submit"
          className={props.purpose === 'disable' ? 'danger' : 'primary'}
          aria-disabled={busy || undefined}
        >
          {props.purpose === 'disable' ? 'Turn off' : 'Make new recovery codes'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
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
        Your recovery codes
      </h3>
      <p>
        Each signs you in once if you lose your authenticator app. Keep them somewhere safe:{' '}
        <strong>they are shown only now.</strong>
      </p>
      <ul className="recovery-codes mono" aria-label="Recovery codes">
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
          Copy codes
        </button>
        {download && (
          <a className="button-link" href={download} download="leadline-recovery-codes.txt">
            Download codes
          </a>
        )}
        <button type="button" className="primary" onClick={props.onDone}>
          I have saved them
        </button>
      </div>
      {copied && (
        <p className="saved" role="status">
          Copied.
        </p>
      )}
    </div>
  );
}
