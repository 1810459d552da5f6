import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router';
import { api, describeError } from '../api/client';
import type { Erasure } from '../api/types';
import { useSubmit } from '../auth/use-submit';
import { Dialog } from '../common/Dialog';
import { ErrorNote } from '../common/feedback';
import { formatNumber } from '../common/format';
import { rich, t } from '../i18n/i18n';

/** A progress key (`public.messages`, `blobs`) as words. */
const stepName = (step: string) =>
  step === 'blobs' ? t('privacy.step.blobs') : step.replace(/^[a-z_]+\./, '').replaceAll('_', ' ');

/**
 * A contact's data rights (admins and owners): export everything as a ZIP (GDPR art. 15/20), or erase it
 * (art. 17) after typing the contact's phone number, then follow the erasure job to its verification.
 */
export function ContactPrivacy(props: { contactId: string; phone: string; onErasing: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [erasureId, setErasureId] = useState<string | null>(null);
  return (
    <section aria-labelledby="contact-privacy" className="contact-privacy">
      <h2 id="contact-privacy">{t('contactPrivacy.title')}</h2>
      {!erasureId && (
        <div className="button-row">
          <a className="button-link" href={`/api/v1/contacts/${props.contactId}/export`} download>
            {t('contactPrivacy.export')}
          </a>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            {t('contactPrivacy.erase')}
          </button>
        </div>
      )}
      {confirming && (
        <EraseDialog
          contactId={props.contactId}
          phone={props.phone}
          onClose={() => setConfirming(false)}
          onStarted={(id) => {
            setConfirming(false);
            setErasureId(id);
            props.onErasing();
          }}
        />
      )}
      {erasureId && <ErasureProgress id={erasureId} />}
    </section>
  );
}

function EraseDialog(props: {
  contactId: string;
  phone: string;
  onClose: () => void;
  onStarted: (erasureId: string) => void;
}) {
  const [typed, setTyped] = useState('');
  const formId = useId();
  const matches = typed.replace(/\s/g, '') === props.phone;
  const { busy, error, submit } = useSubmit(async () => {
    if (!matches) throw new Error('not confirmed');
    const erasure = await api<Erasure>('POST', '/privacy/erasures', { contactId: props.contactId });
    props.onStarted(erasure.id);
  });
  return (
    <Dialog
      title={t('contactPrivacy.eraseTitle')}
      role="alertdialog"
      onClose={props.onClose}
      actions={
        <>
          <button type="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form={formId}
            className="danger"
            aria-disabled={!matches || busy || undefined}
          >
            {t('contactPrivacy.erasePermanently')}
          </button>
        </>
      }
    >
      <form
        id={formId}
        onSubmit={(event: FormEvent) => (matches ? void submit(event) : event.preventDefault())}
      >
        <p>{t('contactPrivacy.eraseHint')}</p>
        <label>
          {rich('contactPrivacy.typePhone', [(phone) => <strong>{phone}</strong>], { phone: props.phone })}
          <input
            value={typed}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setTyped(event.target.value)}
          />
        </label>
        <ErrorNote message={error} />
      </form>
    </Dialog>
  );
}

function ErasureProgress(props: { id: string }) {
  const client = useQueryClient();
  const erasure = useQuery({
    queryKey: ['privacy', 'erasure', props.id],
    queryFn: ({ signal }) => api<Erasure>('GET', `/privacy/erasures/${props.id}`, undefined, { signal }),
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === 'done' || status === 'failed' ? false : 1000;
    },
  });
  const data = erasure.data;
  const finished = data?.status === 'done' || data?.status === 'failed';
  if (finished) void client.invalidateQueries({ queryKey: ['contacts'] });
  const steps = Object.entries(data?.progress ?? {}).filter(([, count]) => count > 0);
  return (
    <div className="erasure">
      <p role="status">{data ? erasureSentence(data) : t('contactPrivacy.starting')}</p>
      <ErrorNote message={erasure.error ? describeError(erasure.error) : null} />
      {steps.length > 0 && (
        <ul aria-label={t('contactPrivacy.removed')}>
          {steps.map(([step, count]) => (
            <li key={step}>
              {stepName(step)}: {formatNumber(count)}
            </li>
          ))}
        </ul>
      )}
      {finished && <Link to="/contacts">{t('contactPrivacy.back')}</Link>}
    </div>
  );
}

function erasureSentence(erasure: Erasure): string {
  switch (erasure.status) {
    case 'queued':
      return t('contactPrivacy.queued');
    case 'running':
      return t('contactPrivacy.running');
    case 'failed':
      return t('contactPrivacy.failed', { reason: erasure.failure ?? t('contactPrivacy.unknownError') });
    default:
      return erasure.verifiedClean ? t('contactPrivacy.doneClean') : t('contactPrivacy.doneDirty');
  }
}
