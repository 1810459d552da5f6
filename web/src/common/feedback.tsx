import type { ReactNode } from 'react';

export function ErrorNote(props: { message: string | null; onRetry?: () => void }) {
  if (!props.message) return null;
  return (
    <div className="error-note" role="alert">
      <span>{props.message}</span>
      {props.onRetry && (
        <button type="button" className="link-button" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
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
