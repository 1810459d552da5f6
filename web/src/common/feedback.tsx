import type { ReactNode } from 'react';
import { describeError } from '../api/client';
import { t } from '../i18n/i18n';

export function ErrorNote(props: { message: string | null; onRetry?: () => void }) {
  if (!props.message) return null;
  return (
    <div className="error-note" role="alert">
      <span>{props.message}</span>
      {props.onRetry && (
        <button type="button" className="link-button" onClick={props.onRetry}>
          {t('common.tryAgain')}
        </button>
      )}
    </div>
  );
}

/** A query's failure in words, with a retry (nothing while it has not failed). */
export function QueryError(props: { query: { error: unknown; refetch: () => Promise<unknown> } }) {
  const { query } = props;
  return (
    <ErrorNote
      message={query.error ? describeError(query.error) : null}
      onRetry={() => void query.refetch()}
    />
  );
}

export function Empty(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{props.title}</p>
      {props.children && <p className="empty-hint">{props.children}</p>}
    </div>
  );
}
