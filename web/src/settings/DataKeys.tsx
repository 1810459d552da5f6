import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../api/client';
import { useReauthentication } from '../auth/Reauthenticate';
import { Dialog } from '../common/Dialog';
import { ErrorNote, QueryError } from '../common/feedback';
import { formatNumber, fullTime } from '../common/format';
import { t } from '../i18n/i18n';

interface DataKeyStatus {
  current: number | null;
  versions: { version: number; createdAt: string; values: number; blobs: number }[];
  legacyValues: number;
  legacyBlobs: number;
  missingBlobs: number;
  reencryption: {
    targetVersion: number;
    state: 'running' | 'waiting' | 'done';
    position: string;
    rowsRewritten: number;
    blobsRewritten: number;
    retiredVersions: number[];
    startedAt: string;
    finishedAt: string | null;
  } | null;
}

const statusKey = ['encryption', 'data-keys'] as const;
const count = (n: number) => formatNumber(n);

function passSentence(pass: NonNullable<DataKeyStatus['reencryption']>): string {
  const done = t('dataKeys.pass.done', {
    values: count(pass.rowsRewritten),
    blobs: count(pass.blobsRewritten),
  });
  const version = String(pass.targetVersion);
  if (pass.state === 'running') return t('dataKeys.pass.running', { version, position: pass.position, done });
  if (pass.state === 'waiting') return t('dataKeys.pass.waiting', { version, done });
  const retired =
    pass.retiredVersions.length > 0
      ? ` ${t('dataKeys.pass.retired', { versions: pass.retiredVersions.join(', ') })}`
      : '';
  return `${t('dataKeys.pass.finished', { version, when: fullTime(pass.finishedAt), done })}${retired}`;
}

/**
 * Settings › Privacy › Encryption at rest: the workspace's data-key versions, what each still encrypts,
 * the re-encryption job's progress, and rotation (after a confirmation; the API may ask for the password).
 */
export function DataKeys() {
  const client = useQueryClient();
  const status = useQuery({
    queryKey: statusKey,
    queryFn: ({ signal }) => api<DataKeyStatus>('GET', '/encryption/data-keys', undefined, { signal }),
    // While a pass works, the numbers move: look again every few seconds (each look reads every media
    // file's header, so not too often).
    refetchInterval: (query) => (query.state.data?.reencryption?.state === 'running' ? 5_000 : false),
  });
  const { guard, dialog } = useReauthentication();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const rotate = async () => {
    if (busy) return;
    setConfirming(false);
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const result = await guard(() => api<{ version: number }>('POST', '/encryption/data-keys/rotate'));
      setSaved(t('dataKeys.rotated', { version: String(result.version) }));
      await client.invalidateQueries({ queryKey: statusKey });
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  const data = status.data;
  return (
    <section className="card" aria-labelledby="data-keys-title">
      <h2 id="data-keys-title">{t('dataKeys.title')}</h2>
      <p className="muted">{t('dataKeys.intro')}</p>
      <QueryError query={status} />
      {data && (
        <>
          {data.current === null ? (
            <p>{t('dataKeys.none')}</p>
          ) : (
            <table className="data-keys">
              <caption className="visually-hidden">{t('dataKeys.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('dataKeys.column.version')}</th>
                  <th scope="col">{t('dataKeys.column.made')}</th>
                  <th scope="col">{t('dataKeys.column.values')}</th>
                  <th scope="col">{t('dataKeys.column.blobs')}</th>
                </tr>
              </thead>
              <tbody>
                {data.versions.map((entry) => (
                  <tr key={entry.version}>
                    <td>
                      {entry.version === data.current
                        ? t('dataKeys.currentVersion', { version: String(entry.version) })
                        : entry.version}
                    </td>
                    <td>{fullTime(entry.createdAt)}</td>
                    <td>{count(entry.values)}</td>
                    <td>{count(entry.blobs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {data.legacyValues + data.legacyBlobs > 0 && (
            <p>
              {t('dataKeys.legacy', { values: count(data.legacyValues), blobs: count(data.legacyBlobs) })}
            </p>
          )}
          {data.reencryption && <p role="status">{passSentence(data.reencryption)}</p>}
        </>
      )}
      <ErrorNote message={error} />
      {saved && (
        <p className="saved" role="status">
          {saved}
        </p>
      )}
      <button
        type="button"
        aria-disabled={busy || data?.reencryption?.state === 'running' || undefined}
        onClick={() => {
          if (!busy && data?.reencryption?.state !== 'running') setConfirming(true);
        }}
      >
        {t('dataKeys.rotate')}
      </button>
      {confirming && (
        <Dialog
          title={t('dataKeys.confirm.title')}
          role="alertdialog"
          onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </button>
              <button type="button" className="primary" onClick={() => void rotate()}>
                {t('dataKeys.confirm.rotate')}
              </button>
            </>
          }
        >
          <p>{t('dataKeys.confirm.body')}</p>
        </Dialog>
      )}
      {dialog}
    </section>
  );
}
